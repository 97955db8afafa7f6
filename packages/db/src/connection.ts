import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError, zodProblems } from '@iwae-sweep/core';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { z } from 'zod';
import { analysisViews } from './analysis-views.ts';
import { checkDbFile } from './db-file.ts';
import { DbError, UnknownEntityError } from './errors.ts';
import * as schema from './schema.ts';

const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));

/** One SQLite file (WAL, busy timeout, foreign keys), migrated on a writable open. */
export class DbConnection {
  readonly sqlite: Database.Database;
  readonly db: BetterSQLite3Database<typeof schema>;

  constructor(
    readonly file: string,
    readonly readonly: boolean,
  ) {
    checkDbFile(file, { mustExist: readonly });
    if (!readonly && file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.sqlite = new Database(file, { readonly, fileMustExist: readonly });
    this.sqlite.pragma('busy_timeout = 10000');
    if (!readonly) {
      this.sqlite.pragma('journal_mode = WAL');
      this.sqlite.pragma('synchronous = NORMAL');
    }
    this.sqlite.pragma('foreign_keys = ON');
    this.db = drizzle(this.sqlite, { schema });
  }

  /**
   * Whether a file lacks migrations or backfills this code expects: a read-only open of such a
   * file must first open it writable once.
   */
  static needsUpgrade(file: string): boolean {
    const journal = JSON.parse(readFileSync(`${MIGRATIONS}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
    const sqlite = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const applied = sqlite
        .prepare("select count(*) as n from sqlite_master where type = 'table' and name = '__drizzle_migrations'")
        .get() as { n: number };
      if (applied.n === 0) return true;
      const { n } = sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
      if (n < journal.entries.length) return true;
      if (sqlite.prepare('select 1 from trials where group_id is null limit 1').get() !== undefined) return true;
      // The analysis views follow the config schema: a field added since the last writer is missing.
      const views = analysisViews();
      const have = sqlite.prepare("select name, sql from sqlite_master where type = 'view'").all() as {
        name: string;
        sql: string;
      }[];
      return Object.entries(views).some(([name, text]) => !have.some((v) => v.name === name && v.sql === text));
    } finally {
      sqlite.close();
    }
  }

  migrate(): void {
    try {
      migrate(this.db, { migrationsFolder: MIGRATIONS });
    } catch (err) {
      this.close();
      throw new DbError(`applying migrations to ${this.file}`, '(migrations)', [], err);
    }
  }

  close(): void {
    if (!this.sqlite.open) return;
    // Refresh the planner's statistics where they are stale (writers, at close: ANALYZE takes the
    // write lock). Without them SQLite walks a whole sweep through the sweep_id index, one lookup
    // per trial, instead of scanning: 6× slower. Exact ones: sampled statistics (analysis_limit)
    // misjudge sweep_id, which is nearly constant.
    if (!this.readonly) this.sqlite.pragma('optimize');
    this.sqlite.close();
  }

  /** Runs a DB step; a failure becomes a DbError naming what was being done (typed errors pass). */
  guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ValidationError || err instanceof UnknownEntityError) throw err;
      const q = (err as { query?: string }).query;
      throw new DbError(what, q ?? '(statement)', [], err);
    }
  }
}

/** Parses input at the DB's boundary: a ValidationError names each bad field before anything is written. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(source, zodProblems(parsed.error, value));
  return parsed.data;
}
