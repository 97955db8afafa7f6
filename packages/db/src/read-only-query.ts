import Database from 'better-sqlite3';
import { DbError, ReadOnlyQueryError } from './errors.ts';

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

/**
 * Runs one user-supplied SQL statement on a read-only connection. Statements that could write
 * are refused before they run (and the connection could not write anyway).
 */
export function readOnlyQuery(file: string, text: string, params: unknown[] = []): QueryResult {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 10000');
    let stmt: Database.Statement;
    try {
      stmt = sqlite.prepare(text);
    } catch (err) {
      const message = (err as Error).message;
      if (/more than one statement/i.test(message)) {
        throw new ReadOnlyQueryError('query takes exactly one statement (no ";"-separated batches)');
      }
      throw new DbError('preparing the query', text, params, err);
    }
    if (!stmt.readonly) {
      throw new ReadOnlyQueryError(
        `query is read-only: this statement would write to the DB and was not run: ${text.trim().slice(0, 200)}`,
      );
    }
    if (!stmt.reader) throw new ReadOnlyQueryError('query must return rows (SELECT, WITH … SELECT, or a PRAGMA that reads)');
    try {
      const rows = stmt.all(...params) as Record<string, unknown>[];
      return { columns: stmt.columns().map((c) => c.name), rows };
    } catch (err) {
      throw new DbError('running the query', text, params, err);
    }
  } finally {
    sqlite.close();
  }
}
