import { IwaeSweepError } from '@iwae-sweep/core';
import { redactUrl as redact } from './redact.ts';

/** A Redis URL that cannot be used: wrong scheme, bad port, bad database number. */
export class RedisUrlError extends IwaeSweepError {
  override readonly name = 'RedisUrlError';
  constructor(url: string, expected: string) {
    super('redis_url', `invalid Redis URL ${redact(url)}: expected ${expected}`);
  }
}

/** Redis did not answer, or refused us: the message says which and what to check. */
export class RedisConnectionError extends IwaeSweepError {
  override readonly name = 'RedisConnectionError';
  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super('redis_connection', `cannot use Redis at ${redact(url)}: ${reason}`, options);
  }
}

/** A job payload that does not match the job catalog. */
export class JobPayloadError extends IwaeSweepError {
  override readonly name = 'JobPayloadError';
  constructor(jobName: string, jobId: string | undefined, detail: string) {
    super('job_payload', `malformed "${jobName}" job${jobId ? ` ${jobId}` : ''}: ${detail}`);
  }
}
