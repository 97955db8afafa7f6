import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { IwaeSweepError } from '@iwae-sweep/core';

/** A --db path that is not a results DB: missing (for readers), a directory, or another kind of file. */
export class DbFileError extends IwaeSweepError {
  override readonly name = 'DbFileError';
  readonly file: string;
  constructor(file: string, message: string) {
    super('db_file', `${file}: ${message}`);
    this.file = file;
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Checks a DB path before SQLite opens it, so that a wrong `--db` gets one clear line and the
 * file is left exactly as it was (SQLite would otherwise add -wal/-shm files next to a text file,
 * or fail deep inside a migration). An empty file is a new, empty DB.
 */
export function checkDbFile(file: string, opts: { mustExist: boolean }): void {
  if (file === ':memory:') return;
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !opts.mustExist) return;
    if (code === 'ENOENT')
      throw new DbFileError(file, 'no results DB here (run a sweep first, or point --db / IWAE_SWEEP_DB at one)');
    throw new DbFileError(file, `cannot read (${code ?? String(err)})`);
  }
  if (!stat.isFile())
    throw new DbFileError(
      file,
      `not a regular file (${stat.isDirectory() ? 'a directory' : 'a special file'}): expected a SQLite results DB`,
    );
  if (stat.size === 0) return;
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) throw new DbFileError(file, 'not a SQLite database (no SQLite header); left unchanged');
}
