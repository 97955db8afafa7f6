import { IwaeSweepError } from '@iwae-sweep/core';
import { redactUrl as redact } from './redact.ts';

/** A Redis URL that cannot be used: wrong scheme, bad port, bad database number. */
export class RedisUrlError extends IwaeSweepError {
  override readonly name = 'RedisUrlError';
  constructor(url: string, expected: string) {
    super('redis_url', `invalid Redis URL ${redact(url)}: expected ${expected}`);
  }
}

/**
 * Why Redis could not be used. `auth` and `tls` never fix themselves (a worker exits with a
 * configuration error); the others may (a worker retries with backoff).
 */
export type RedisFailure = 'auth' | 'tls' | 'refused' | 'not-found' | 'timeout' | 'other';

/** A CA file for rediss:// that cannot be used. */
export class RedisCaError extends IwaeSweepError {
  override readonly name = 'RedisCaError';
  constructor(file: string, expected: string) {
    super('redis_ca', `cannot use ${file} as the Redis CA certificate: expected ${expected}`);
  }
}

/** Redis did not answer, or refused us: `reason` says which, the message what to check. */
export class RedisConnectionError extends IwaeSweepError {
  override readonly name = 'RedisConnectionError';
  constructor(
    url: string,
    readonly reason: RedisFailure,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('redis_connection', `cannot use Redis at ${redact(url)}: ${detail}`, options);
  }

  /** Retrying cannot help: wrong credentials or an untrusted certificate. */
  get permanent(): boolean {
    return this.reason === 'auth' || this.reason === 'tls';
  }
}

/** A job payload that does not match the job catalog. */
export class JobPayloadError extends IwaeSweepError {
  override readonly name = 'JobPayloadError';
  constructor(jobName: string, jobId: string | undefined, detail: string) {
    super('job_payload', `malformed "${jobName}" job${jobId ? ` ${jobId}` : ''}: ${detail}`);
  }
}
