import { Redis } from 'ioredis';
import { type RedisTls, redisOptionsFromUrl } from './redis-url.ts';

/** A glob matching every key of a deployment: its prefix, escaped, then `:`. */
export function deploymentKeyPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}:*`;
}

/**
 * Every key of a deployment (BullMQ's queues, checkpoints, control and worker keys: all live
 * under its prefix), found by SCAN so a large deployment never blocks Redis. `remove` unlinks
 * them in batches; without it the keys are only counted.
 */
export async function purgePrefix(redis: Redis, prefix: string, opts: { remove: boolean }): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', deploymentKeyPattern(prefix), 'COUNT', 1000);
    cursor = next;
    count += keys.length;
    if (opts.remove && keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  return count;
}

/** {@link purgePrefix} on a connection of its own, closed afterwards (no BullMQ queue is opened). */
export async function purgeDeployment(url: string, prefix: string, opts: { remove: boolean; tls?: RedisTls }): Promise<number> {
  const redis = new Redis(redisOptionsFromUrl(url, opts.tls ?? {}));
  try {
    return await purgePrefix(redis, prefix, opts);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
