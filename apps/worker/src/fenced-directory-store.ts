import type { CheckpointSaveInfo, CheckpointStore } from '@iwae-sweep/iwae';
import { LostTrialError } from './lost-trial-error.ts';
import type { RunFence } from './run-fence.ts';

/**
 * A shared-directory store behind a run's fence: each save and delete first checks that the run
 * still owns its trial. A file system offers no compare-and-set with Redis, so a run frozen
 * between the check and the write can still write once; `--checkpoints redis` is fenced
 * atomically and is the safe choice where workers may freeze.
 */
export class FencedDirectoryStore implements CheckpointStore {
  constructor(
    private readonly inner: CheckpointStore,
    private readonly fence: RunFence,
  ) {}

  describe(key: string): string {
    return this.inner.describe(key);
  }

  load(key: string): Promise<Buffer | undefined> {
    return this.inner.load(key);
  }

  async save(key: string, data: Buffer, meta?: CheckpointSaveInfo): Promise<void> {
    if (!(await this.fence.holds())) throw new LostTrialError(key, `saving the checkpoint of epoch ${meta?.epoch ?? '?'}`);
    await this.inner.save(key, data, meta);
  }

  async remove(key: string): Promise<void> {
    if (await this.fence.holds()) await this.inner.remove(key);
  }
}
