import type { CheckpointSaveInfo, CheckpointStore } from '@iwae-sweep/iwae';
import { redisKeys } from '@iwae-sweep/queue';
import type { Redis } from 'ioredis';
import { LostTrialError, StaleCheckpointError } from './lost-trial-error.ts';
import type { RunFence } from './run-fence.ts';

// Both scripts run atomically in Redis: the lock check and the write cannot be split by a
// freeze, a partition or another worker.
// KEYS: checkpoint, meta, lock. ARGV: data, epoch, token, ttl seconds.
// Returns 1 (saved), 0 (lock not ours), or -(stored epoch + 1) for an older epoch.
const SAVE = `
if KEYS[3] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[3] then return 0 end
local stored = tonumber(redis.call('HGET', KEYS[2], 'epoch') or '-1')
if stored > tonumber(ARGV[2]) then return -(stored + 1) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
redis.call('HSET', KEYS[2], 'epoch', ARGV[2], 'run', ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1`;
// KEYS: checkpoint, meta, lock. ARGV: token. Returns 1 (deleted) or 0 (lock not ours).
const REMOVE = `
if KEYS[3] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1`;

/**
 * Checkpoints in Redis, for workers that share no filesystem. A checkpoint of the paper's
 * 1-layer model (weights and Adam moments) is ≈ 5 MB; it is replaced every epoch and deleted
 * when the trial's result is safely queued. Keys expire after `ttlSeconds` of no writes, so an
 * abandoned trial cannot hold memory forever.
 *
 * Fenced by the run's job lock: a save or delete by a run that lost its trial (a zombie woken
 * after its lock expired) is refused, and no save may replace a newer epoch with an older one.
 */
export class RedisCheckpointStore implements CheckpointStore {
  private readonly keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly fence?: RunFence,
    private readonly ttlSeconds = 14 * 24 * 3600,
  ) {
    this.keys = redisKeys(prefix);
  }

  describe(key: string): string {
    return `redis key ${this.keys.checkpoint(key)}`;
  }

  async load(key: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(this.keys.checkpoint(key))) ?? undefined;
  }

  private fencedKeys(key: string): [string, string, string] {
    return [this.keys.checkpoint(key), this.keys.checkpointMeta(key), this.fence?.lockKey ?? ''];
  }

  async save(key: string, data: Buffer, meta?: CheckpointSaveInfo): Promise<void> {
    const epoch = meta?.epoch ?? 0;
    const out = Number(
      await this.redis.eval(SAVE, 3, ...this.fencedKeys(key), data, epoch, this.fence?.token ?? '', this.ttlSeconds),
    );
    if (out === 0) throw new LostTrialError(key, `saving the checkpoint of epoch ${epoch}`);
    if (out < 0) throw new StaleCheckpointError(key, epoch, -out - 1);
  }

  /** Deletes the checkpoint, unless another run owns the trial now (then it is left to that run). */
  async remove(key: string): Promise<void> {
    await this.redis.eval(REMOVE, 3, ...this.fencedKeys(key), this.fence?.token ?? '');
  }
}
