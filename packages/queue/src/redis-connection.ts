import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { RedisConnectionError, type RedisFailure } from './errors.ts';
import { type RedisTls, redisOptionsFromUrl } from './redis-url.ts';

export type RedisRole = 'worker' | 'producer' | 'trial';

/**
 * How long a trial process waits for one Redis command (offline queue included) before its
 * attempt fails and is retried from its checkpoint. Without it, a command lost across a
 * reconnection left a trial waiting forever while its worker kept renewing the job's lock (seen
 * in a 210-trial chaos run after a burst of Redis restarts and CLIENT KILLs).
 */
export const TRIAL_COMMAND_TIMEOUT_MS = 60_000;

/**
 * Options for BullMQ connections. Workers (blocking commands) need maxRetriesPerRequest: null;
 * producers fail fast instead of queueing commands forever while Redis is away; a trial process
 * waits out a Redis restart but gives up on any one command after `commandTimeoutMs`.
 * Reconnection backs off to 5 s between tries, so a worker waits out a Redis restart without a
 * crash loop.
 */
export function connectionOptions(
  url: string,
  role: RedisRole,
  tls: RedisTls = {},
  commandTimeoutMs = TRIAL_COMMAND_TIMEOUT_MS,
): BullRedisOptions {
  return {
    ...redisOptionsFromUrl(url, tls),
    maxRetriesPerRequest: role === 'producer' ? 3 : null,
    ...(role === 'trial' ? { commandTimeout: commandTimeoutMs } : {}),
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 5), 5000),
    // A wrong password never fixes itself: stop reconnecting and surface the error.
    reconnectOnError: () => false,
  };
}

/** Redis error replies start with their code (WRONGPASS, NOAUTH, ERR…): the protocol's typed part. */
const AUTH_REPLY_CODES = new Set(['WRONGPASS', 'NOAUTH']);
/** Node's TLS verification failures (certificate not trusted, wrong name, expired). */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'EPROTO',
]);

const DETAIL: Record<RedisFailure, string> = {
  auth: 'authentication failed (check the user and password in the URL)',
  tls: 'TLS handshake failed (is it a TLS port? is the server certificate signed by the CA given with --redis-ca?)',
  refused: 'connection refused (is redis-server running and listening on that host and port?)',
  'not-found': 'host not found',
  timeout: 'no answer (timed out)',
  other: '',
};

export function classifyRedisError(err: unknown): RedisFailure {
  const e = err as NodeJS.ErrnoException & { name?: string };
  const code = e?.code ?? '';
  if (e?.name === 'ReplyError' && AUTH_REPLY_CODES.has(String(e.message).split(' ')[0] ?? '')) return 'auth';
  if (TLS_CODES.has(code)) return 'tls';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'not-found';
  if (code === 'ETIMEDOUT' || err instanceof ConnectTimeout) return 'timeout';
  return 'other';
}

class ConnectTimeout extends Error {}

function connectionError(url: string, err: unknown): RedisConnectionError {
  const reason = classifyRedisError(err);
  return new RedisConnectionError(url, reason, DETAIL[reason] || ((err as Error)?.message ?? String(err)), { cause: err });
}

/**
 * Connects and checks that Redis answers and accepts our credentials, within `timeoutMs`.
 * Throws a RedisConnectionError that says what went wrong; never retries forever.
 */
export async function openRedis(
  url: string,
  opts: { timeoutMs?: number; role?: RedisRole; tls?: RedisTls } = {},
): Promise<Redis> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  let lastError: unknown;
  const options = connectionOptions(url, opts.role ?? 'producer', opts.tls);
  const client = new Redis({
    ...options,
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
      new Promise((_, reject) =>
        setTimeout(() => reject(new ConnectTimeout(`timed out after ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    // Checked: from now on it reconnects like any other connection of its role. (With the
    // check's policy it ended for good after ~1 s of outage: a Redis restart or failover left a
    // collector unable to read a lock or reconcile until it was restarted.)
    client.options.retryStrategy = options.retryStrategy;
    return client;
  } catch (err) {
    client.disconnect();
    throw connectionError(url, lastError ?? err);
  }
}

/** Checks a Redis URL (connect, auth, PING) and closes the connection. */
export async function checkRedis(url: string, opts: { timeoutMs?: number; tls?: RedisTls } = {}): Promise<void> {
  const client = await openRedis(url, opts);
  // The check passed; a QUIT whose reply is lost (the link dropped just then) changes nothing.
  await client.quit().catch(() => client.disconnect());
}
