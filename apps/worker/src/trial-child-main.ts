/**
 * Entry point of a local trial child process: the child's end of the local channel (the parent's
 * end is apps/scheduler/src/trial-child-handle.ts, forked by the local runner). Runs one trial at a
 * time and reports over IPC. Exits when the parent goes away: an orphan must not keep training.
 */
import type { TrialEvent } from '@iwae-sweep/core';
import { DirectoryCheckpointStore } from '@iwae-sweep/iwae';
import { type FromChild, type ToChild, toChildSchema } from './child-messages.ts';
import { executeTrial } from './execute-trial.ts';
import { exitWhenOrphaned } from './orphan-guard.ts';
import { ParentChannel } from './parent-channel.ts';
import { isFinalError, serializeError } from './serialize-error.ts';
import { TrialStoppedError } from './trial-stopped-error.ts';

const runner = new ParentChannel<ToChild, FromChild>('trial child', toChildSchema);

const emit = (event: TrialEvent) => runner.send({ type: 'event', event });

let busy = false;
/** Rung epochs of the running trial waiting for the runner's decision, and decisions not yet asked for. */
const awaiting = new Map<number, (stop: boolean) => void>();
const decided = new Map<number, boolean>();

function rungDecision(epoch: number): Promise<boolean> {
  const early = decided.get(epoch);
  if (early !== undefined) return Promise.resolve(early);
  return new Promise((resolve) => awaiting.set(epoch, resolve));
}
let lastEvalReport = 0;

exitWhenOrphaned();
runner.listen(async (msg) => {
  if (msg.type === 'shutdown') process.exit(0);
  if (msg.type === 'rung-decision') {
    const waiting = awaiting.get(msg.epoch);
    if (waiting) waiting(msg.stop);
    else decided.set(msg.epoch, msg.stop);
    awaiting.delete(msg.epoch);
    return;
  }
  if (busy) {
    await emit({
      type: 'failed',
      trialId: msg.job.trialId,
      error: { name: 'Busy', message: 'child is already running a trial' },
      final: false,
    });
    return;
  }
  busy = true;
  const { trialId } = msg.job;
  try {
    const result = await executeTrial(msg.job, {
      store: new DirectoryCheckpointStore(msg.checkpointDir),
      backend: msg.backend,
      sink: {
        phase: (phase, detail) => emit({ type: 'phase', trialId, phase, ...detail }),
        epoch: (metrics, totalEpochs) => emit({ type: 'epoch', trialId, metrics, totalEpochs }),
        rung: rungDecision,
        evalProgress: (done, total) => {
          // At most a few reports a second: the parent only draws them.
          const now = Date.now();
          if (done === total || now - lastEvalReport > 250) {
            lastEvalReport = now;
            void runner.send({ type: 'eval-progress', trialId, done, total });
          }
        },
      },
    });
    await emit({ type: 'result', trialId, result });
  } catch (err) {
    if (err instanceof TrialStoppedError) await emit({ type: 'stopped', trialId, completedEpochs: err.completedEpochs });
    else await emit({ type: 'failed', trialId, error: serializeError(err), final: isFinalError(err) });
  } finally {
    awaiting.clear();
    decided.clear();
    busy = false;
  }
});
void runner.send({ type: 'ready', pid: process.pid });
