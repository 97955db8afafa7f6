import type { BackendName, PlannedTrial, Stopping } from '@iwae-sweep/core';
import { calibration } from './calibration.ts';
import { estimateSweep, formatEstimate } from './sweep-estimate.ts';

/**
 * Prints the cost estimate of the trials about to run (run, launch, launch --dry-run): the same
 * figures as `plan`. A failed calibration does not stop the sweep: it is said, and skipped.
 */
export async function printEstimate(
  trials: PlannedTrial[],
  opts: { workers: number; backend: BackendName; stopping?: Stopping | undefined },
): Promise<void> {
  if (trials.length === 0) return;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const calib = await calibration(opts.backend, { log });
    process.stderr.write(formatEstimate(estimateSweep(trials, calib, opts.workers, opts.stopping)));
  } catch (err) {
    log(`no cost estimate: ${(err as Error).message.split('\n')[0]}`);
  }
}
