import { redisKeys } from '@iwae-sweep/queue';
import type { Redis } from 'ioredis';

/**
 * The ownership of one trial by one run: the run holds the trial while the trial job's lock
 * holds this run's token. BullMQ renews the lock from the worker's event loop and never gives
 * an expired lock back to its old owner, so a run that lost it cannot regain it.
 */
export class RunFence {
  readonly lockKey: string;

  constructor(
    readonly redis: Redis,
    readonly prefix: string,
    readonly trialId: string,
    readonly token: string,
  ) {
    this.lockKey = redisKeys(prefix).trialLock(trialId);
  }

  /** Whether this run still owns the trial (one GET). */
  async holds(): Promise<boolean> {
    return (await this.redis.get(this.lockKey)) === this.token;
  }
}
