import type { SweepPlan } from '@iwae-sweep/core';
import type { ResultsDb } from '@iwae-sweep/db';
import { LineDisplay, LocalRunner, type LocalRunSummary } from '@iwae-sweep/scheduler';

const devNull = { write: () => true } as unknown as NodeJS.WritableStream;

/**
 * Runs a sweep on this machine as `iwae-sweep run` does (a pool of `workers` wasm processes,
 * progress discarded), its sweep and trials saved in `db` first; returns the summary and the
 * wall time in seconds.
 */
export async function timedLocalSweep(
  db: ResultsDb,
  plan: SweepPlan,
  opts: { workers: number; artifactsDir: string },
): Promise<{ summary: LocalRunSummary; seconds: number }> {
  db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local' });
  db.addTrials(plan.sweepId, plan.trials);
  const start = performance.now();
  const summary = await new LocalRunner({
    db,
    sweepId: plan.sweepId,
    trials: db.trialsWithConfig(plan.sweepId),
    workers: opts.workers,
    backend: 'wasm',
    artifactsDir: opts.artifactsDir,
    display: new LineDisplay(devNull),
  }).run();
  return { summary, seconds: (performance.now() - start) / 1000 };
}
