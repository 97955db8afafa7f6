import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { IwaeSweepError } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { env } from './env.ts';

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
