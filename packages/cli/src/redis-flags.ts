import { ValidationError } from '@iwae-sweep/core';
import { DEFAULT_PREFIX, type RedisTls, readRedisCa, redactUrl, redisOptionsFromUrl, SweepQueues } from '@iwae-sweep/queue';
import type { Command } from 'commander';
import { sharedEnv } from './shared-env.ts';

export interface RedisFlags {
  redis?: string;
  prefix?: string;
  redisCa?: string;
}

export function addRedisFlags(cmd: Command, required: boolean): Command {
  return cmd
    .option(
      '--redis <url>',
      `Redis URL, redis://[:password@]host:port[/db], rediss:// (TLS), or redis+sentinel://[:password@]s1:26379,s2:26379/<primary name> (default: $IWAE_SWEEP_REDIS_URL)${required ? '' : '; without it, local mode'}`,
    )
    .option('--prefix <name>', `namespace of the queues in Redis (default: $IWAE_SWEEP_PREFIX or ${DEFAULT_PREFIX})`)
    .option(
      '--redis-ca <file>',
      'CA certificate (PEM) that signed the Redis server certificate, for rediss:// (default: $IWAE_SWEEP_REDIS_CA)',
    );
}

/** The Redis URL from the flag or the environment, checked for shape; undefined if neither. */
export function redisUrl(flags: RedisFlags): string | undefined {
  const url = flags.redis ?? sharedEnv().IWAE_SWEEP_REDIS_URL;
  if (url === undefined) return undefined;
  try {
    redisOptionsFromUrl(url);
  } catch (err) {
    throw new ValidationError('command-line flags', [
      {
        field: flags.redis === undefined ? 'IWAE_SWEEP_REDIS_URL' : '--redis',
        value: redactUrl(url),
        expected: (err as Error).message.replace(/^.*expected /, ''),
      },
    ]);
  }
  return url;
}

export function requireRedisUrl(flags: RedisFlags): string {
  const url = redisUrl(flags);
  if (!url)
    throw new ValidationError('command-line flags', [
      { field: '--redis', value: undefined, expected: 'a Redis URL (or set IWAE_SWEEP_REDIS_URL)' },
    ]);
  return url;
}

export function prefixOf(flags: RedisFlags): string {
  return flags.prefix ?? sharedEnv().IWAE_SWEEP_PREFIX;
}

/** The CA file for rediss:// from the flag or the environment, if any. */
export function redisCaFile(flags: RedisFlags): string | undefined {
  return flags.redisCa ?? sharedEnv().IWAE_SWEEP_REDIS_CA;
}

/** TLS trust from --redis-ca; an unreadable file is a flag error (exit 2). */
export function redisTls(flags: RedisFlags): RedisTls {
  const file = redisCaFile(flags);
  if (!file) return {};
  try {
    return readRedisCa(file);
  } catch (err) {
    throw new ValidationError('command-line flags', [
      { field: '--redis-ca', value: file, expected: (err as Error).message.replace(/^.*expected /, '') },
    ]);
  }
}

export function openQueues(flags: RedisFlags): Promise<SweepQueues> {
  return SweepQueues.open({ url: requireRedisUrl(flags), prefix: prefixOf(flags), tls: redisTls(flags) });
}
