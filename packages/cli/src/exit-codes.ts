import { IwaeSweepError, ValidationError } from '@iwae-sweep/core';
import { CommanderError } from 'commander';

/** Exit statuses: 2 for bad input (so scripts can tell it from a failed run), 1 for failures. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Typed errors that mean "the input was wrong" (exit 2), not "the work failed" (exit 1). */
const USAGE_CODES = new Set([
  'spec_changed',
  'purge_refused',
  'spec_file',
  'read_only',
  'db_file',
  'no_db',
  'no_sweep',
  'query_timeout',
  'redis_url',
]);

export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof ValidationError) return EXIT.usage;
  if (err instanceof IwaeSweepError && USAGE_CODES.has(err.code)) return EXIT.usage;
  return EXIT.failure;
}

/** A message for the terminal: typed errors already say what and where; others get their stack. */
export function describeError(err: unknown): string {
  if (err instanceof IwaeSweepError) return `error: ${err.message}`;
  if (err instanceof Error) return `error: ${err.stack ?? err.message}`;
  return `error: ${String(err)}`;
}
