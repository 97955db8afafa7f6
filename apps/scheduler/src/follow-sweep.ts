import type { ResultsDb } from '@iwae-sweep/db';
import type { ResultEvent, SweepQueues } from '@iwae-sweep/queue';
import { Collector } from './collector.ts';
import { EXIT } from './exit-codes.ts';
import { formatSeconds } from './progress.ts';
import { sweepEtaSeconds, sweepStatus } from './sweep-eta.ts';

/**
 * Collects results here until the sweep has no queued or running trial, printing progress.
 * Ctrl-C stops following (the sweep goes on; `serve` or another `--follow` picks up).
 */
export async function followSweep(db: ResultsDb, queues: SweepQueues, sweepId: string): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const describe = (e: ResultEvent): string | undefined => {
    const p = e.payload;
    switch (e.name) {
      case 'trial-started':
        return `start  ${p.trialId} on ${p.workerId} (attempt ${p.attempt})`;
      case 'trial-epoch':
        return `       ${p.trialId} epoch ${e.payload.metrics.epoch}/${e.payload.totalEpochs} bound ${e.payload.metrics.trainBound.toFixed(2)}`;
      case 'trial-result':
        return `done   ${p.trialId}: NLL ${e.payload.result.testNll.toFixed(2)} (−L_${e.payload.result.evalK})`;
      case 'trial-failed':
        return `${e.payload.final ? 'FAILED' : 'retry '} ${p.trialId}: ${e.payload.error.message.split('\n')[0]}`;
      case 'trial-cancelled':
        return `cancel ${p.trialId} after ${e.payload.completedEpochs} epoch(s)`;
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
      if (e.payload.sweepId !== sweepId) return;
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
