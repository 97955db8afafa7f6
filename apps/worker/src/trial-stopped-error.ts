import { IwaeSweepError } from '@iwae-sweep/core';

/** The abort reason that means "the sweep's stopping rule stopped this trial". */
export const STOPPED_BY_RULE = 'stopped by the sweep stopping rule';

/** A trial was stopped early at a rung: not a failure; its checkpoint is kept for a resume. */
export class TrialStoppedError extends IwaeSweepError {
  override readonly name = 'TrialStoppedError';
  readonly completedEpochs: number;
  constructor(completedEpochs: number) {
    super('stopped', `trial stopped early after ${completedEpochs} epoch(s) by the sweep's stopping rule`);
    this.completedEpochs = completedEpochs;
  }
}
