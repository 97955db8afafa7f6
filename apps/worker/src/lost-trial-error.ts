import { IwaeSweepError } from '@iwae-sweep/core';

/**
 * This run no longer owns its trial: its job lock expired (the worker was frozen or cut off
 * longer than the lock) and another run may hold it now. Whatever it would write next —
 * a checkpoint, events — could undo the newer run's work, so it stops without writing.
 */
export class LostTrialError extends IwaeSweepError {
  override readonly name = 'LostTrialError';
  constructor(trialId: string, what: string) {
    super('lost_trial', `trial ${trialId}: this run lost its lock to another; not ${what}`);
  }
}

/** A checkpoint write older than the stored one (it would move the trial back in time). */
export class StaleCheckpointError extends IwaeSweepError {
  override readonly name = 'StaleCheckpointError';
  constructor(trialId: string, epoch: number, stored: number) {
    super('stale_checkpoint', `trial ${trialId}: refusing to overwrite the checkpoint of epoch ${stored} with epoch ${epoch}`);
  }
}
