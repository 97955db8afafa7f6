import { readRungDecision } from '@iwae-sweep/queue';
import type { Redis } from 'ioredis';

const POLL_MS = 100;

/**
 * A distributed trial's side of early stopping. At a rung it waits (polling Redis, up to
 * `waitMs`) for the collector's decision, so that a stopped trial trains no epoch past its rung.
 * If the collector is slow or down, the trial trains on, and a stop decided later reaches it at
 * its next epoch (`lateStop`), as a cancel does.
 */
export class RungWaits {
  private readonly undecided = new Set<number>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly trialId: string,
    private readonly waitMs: number,
  ) {}

  /**
   * Resolves true if the trial must stop at this rung. `onPoll` after each answered poll: the
   * wait is alive (a worker's stall watchdog may allow less than `waitMs`).
   */
  async wait(epoch: number, onPoll?: () => void): Promise<boolean> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const stop = await readRungDecision(this.redis, this.prefix, this.trialId, epoch);
      if (stop !== undefined) return stop;
      onPoll?.();
      if (Date.now() >= deadline) {
        this.undecided.add(epoch);
        return false;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Whether a rung that was passed undecided has since been decided "stop". */
  async lateStop(): Promise<boolean> {
    for (const epoch of [...this.undecided]) {
      const stop = await readRungDecision(this.redis, this.prefix, this.trialId, epoch);
      if (stop === undefined) continue;
      this.undecided.delete(epoch);
      if (stop) return true;
    }
    return false;
  }
}
