import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { closestName, IwaeSweepError } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { Option } from 'commander';
import { env } from './env.ts';

/** The `--db` flag of every command that reads or writes the results DB. */
export function dbOption(): Option {
  return new Option('--db <file>', 'results DB (default: $IWAE_SWEEP_DB or ./iwae.db)');
}

export function dbPath(flag: string | undefined): string {
  return resolve(flag ?? env().IWAE_SWEEP_DB);
}

/**
 * Opens an existing results DB, with a clear error when there is none. Commands that only read
 * open it read-only: they never take the write lock from a sweep that is writing to it.
 */
export function openExistingDb(flag: string | undefined, opts: { write?: boolean } = {}): ResultsDb {
  const file = dbPath(flag);
  if (!existsSync(file)) {
    throw new IwaeSweepError('no_db', `no results DB at ${file} (run a sweep first, or point --db / IWAE_SWEEP_DB at one)`);
  }
  return ResultsDb.open(file, { readonly: !opts.write });
}

/** Runs `fn` with a DB, closing it afterwards. */
export async function withDb<T>(db: ResultsDb, fn: (db: ResultsDb) => T | Promise<T>): Promise<T> {
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

/**
 * The sweep a `--sweep` flag names, or a clear error (exit 2) listing the sweeps there are, with
 * the likely one first: an unknown name is a typo, never an empty table.
 */
export function requireSweep(db: ResultsDb, sweepId: string): string {
  if (db.getSweep(sweepId)) return sweepId;
  const ids = db.sweepSummaries().map((s) => s.id);
  const guess = closestName(sweepId, ids);
  const known =
    ids.length === 0 ? 'it has no sweeps' : `its sweeps: ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', …' : ''}`;
  throw new IwaeSweepError(
    'no_sweep',
    `--sweep: no sweep ${JSON.stringify(sweepId)} in ${db.file}${guess ? `; did you mean \`${guess}\`?` : ''} (${known})`,
  );
}
