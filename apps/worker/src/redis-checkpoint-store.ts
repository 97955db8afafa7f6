import type { CheckpointStore } from '@iwae-sweep/iwae';
import type { Redis } from 'ioredis';

/**
 * Checkpoints in Redis, for workers that share no filesystem. A checkpoint of the paper's
 * 1-layer model (weights and Adam moments) is ≈ 5 MB; it is replaced every epoch and deleted
 * when the trial's result is safely queued. Keys expire after `ttlSeconds` of no writes, so an
 * abandoned trial cannot hold memory forever.
 */
export class RedisCheckpointStore implements CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 14 * 24 * 3600,
  ) {}

  private key(key: string): string {
    return `${this.prefix}:ckpt:${key}`;
  }

  describe(key: string): string {
    return `redis key ${this.key(key)}`;
  }

  async load(key: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(this.key(key))) ?? undefined;
  }

  async save(key: string, data: Buffer): Promise<void> {
    await this.redis.set(this.key(key), data, 'EX', this.ttlSeconds);
  }

  async remove(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }
}
