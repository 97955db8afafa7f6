import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { RedisConnectionError } from './errors.ts';
import { redisOptionsFromUrl } from './redis-url.ts';

export type RedisRole = 'worker' | 'producer';

/**
 * Options for BullMQ connections. Workers (blocking commands) need maxRetriesPerRequest: null;
 * producers fail fast instead of queueing commands forever while Redis is away. Reconnection
 * backs off to 5 s between tries, so a worker waits out a Redis restart without a crash loop.
 */
export function connectionOptions(url: string, role: RedisRole): BullRedisOptions {
  return {
    ...redisOptionsFromUrl(url),
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 5), 5000),
    // A wrong password never fixes itself: stop reconnecting and surface the error.
    reconnectOnError: () => false,
  };
}

function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const msg = e?.message ?? String(err);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(msg))
    return 'authentication failed (check the user and password in the URL)';
  if (e?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(msg))
    return 'connection refused (is redis-server running and listening on that host and port?)';
  if (e?.code === 'ENOTFOUND' || /ENOTFOUND/.test(msg)) return 'host not found';
  if (/timed out|ETIMEDOUT/i.test(msg)) return 'no answer (timed out)';
  return msg;
}

/**
 * Connects and checks that Redis answers and accepts our credentials, within `timeoutMs`.
 * Throws a RedisConnectionError that says what went wrong; never retries forever.
 */
export async function openRedis(url: string, opts: { timeoutMs?: number; role?: RedisRole } = {}): Promise<Redis> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  let lastError: unknown;
  const client = new Redis({
    ...connectionOptions(url, opts.role ?? 'producer'),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // During the check, give up quickly; the caller decides whether to retry.
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
  });
  client.on('error', (err) => {
    lastError = err;
  });
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return client;
  } catch (err) {
    client.disconnect();
    throw new RedisConnectionError(url, reasonOf(lastError ?? err), { cause: lastError ?? err });
  }
}

/** Checks a Redis URL (connect, auth, PING) and closes the connection. */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  const client = await openRedis(url, { timeoutMs });
  await client.quit();
}
