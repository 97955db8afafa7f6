import { EXIT } from '@iwae-sweep/cli';
import type { TrialEventRecord } from '@iwae-sweep/core';
import type { ResultsDb } from '@iwae-sweep/db';
import type { SweepQueues } from '@iwae-sweep/queue';
import { Collector } from './collector.ts';
import { formatSeconds } from './progress.ts';
import { sweepEtaSeconds, sweepStatus } from './sweep-eta.ts';

/**
 * Collects results here until the sweep has no queued or running trial, printing progress.
 * Ctrl-C stops following (the sweep goes on; `serve` or another `--follow` picks up).
 */
export async function followSweep(db: ResultsDb, queues: SweepQueues, sweepId: string): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const describe = ({ event: e, workerId, attempt }: TrialEventRecord): string | undefined => {
    switch (e.type) {
      case 'started':
        return `start  ${e.trialId} on ${workerId} (attempt ${attempt})`;
      case 'epoch':
        return `       ${e.trialId} epoch ${e.metrics.epoch}/${e.totalEpochs} bound ${e.metrics.trainBound.toFixed(2)}`;
      case 'result':
        return `done   ${e.trialId}: NLL ${e.result.testNll.toFixed(2)} (−L_${e.result.evalK})`;
      case 'failed':
        return `${e.final ? 'FAILED' : 'retry '} ${e.trialId}: ${e.error.message.split('\n')[0]}`;
      case 'cancelled':
        return `cancel ${e.trialId} after ${e.completedEpochs} epoch(s)`;
      case 'stopped':
        return `stop   ${e.trialId} after ${e.completedEpochs} epoch(s) (stopping rule)`;
      default:
        return undefined;
    }
  };
  const collector = new Collector({
    db,
    queues,
    log,
    reconcileEveryMs: 15_000,
    onEvent: (e) => {
      if (e.sweepId !== sweepId) return;
      const line = describe(e);
      if (line) log(line);
    },
  });
  await collector.start();
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const onSignal = () => {
    log('stopped following; the sweep goes on');
    process.exitCode = EXIT.interrupted;
    stop();
  };
  process.once('SIGINT', onSignal);
  const poll = setInterval(() => {
    const [s] = db.sweepSummaries(sweepId);
    if (s && s.queued + s.running === 0) stop();
  }, 1000);
  try {
    await stopped;
  } finally {
    clearInterval(poll);
    process.off('SIGINT', onSignal);
    await collector.stop();
  }
  const [s] = db.sweepSummaries(sweepId);
  if (s) {
    const eta = sweepEtaSeconds(s);
    log(
      `sweep ${sweepId}: ${sweepStatus(s)} — ${s.done} done, ${s.failed} failed, ${s.cancelled} cancelled of ${s.total}${eta ? `, eta ${formatSeconds(eta)}` : ''}`,
    );
    if (s.failed > 0 && process.exitCode === undefined) process.exitCode = EXIT.failure;
  }
}
