import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { checkDbFile } from './db-file.ts';
import { DbError, QueryTimeoutError, ReadOnlyQueryError } from './errors.ts';

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

const CHILD = fileURLToPath(new URL('./query-child.mjs', import.meta.url));

/** Checks one user-supplied statement on a read-only connection: one statement, read-only, returns rows. */
function checkStatement(file: string, text: string, params: unknown[]): Database.Statement {
  checkDbFile(file, { mustExist: true });
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  let stmt: Database.Statement;
  try {
    stmt = sqlite.prepare(text);
  } catch (err) {
    sqlite.close();
    const message = (err as Error).message;
    if (/more than one statement/i.test(message)) {
      throw new ReadOnlyQueryError('query takes exactly one statement (no ";"-separated batches)');
    }
    throw new DbError('preparing the query', text, params, err);
  }
  if (!stmt.readonly) {
    sqlite.close();
    throw new ReadOnlyQueryError(
      `query is read-only: this statement would write to the DB and was not run: ${text.trim().slice(0, 200)}`,
    );
  }
  if (!stmt.reader) {
    sqlite.close();
    throw new ReadOnlyQueryError('query must return rows (SELECT, WITH … SELECT, or a PRAGMA that reads)');
  }
  return stmt;
}

/**
 * Runs one user-supplied SQL statement on a read-only connection. Statements that could write
 * are refused before they run (and the connection could not write anyway).
 */
export function readOnlyQuery(file: string, text: string, params: unknown[] = []): QueryResult {
  const stmt = checkStatement(file, text, params);
  try {
    const rows = stmt.all(...params) as Record<string, unknown>[];
    return { columns: stmt.columns().map((c) => c.name), rows };
  } catch (err) {
    throw new DbError('running the query', text, params, err);
  } finally {
    stmt.database.close();
  }
}

/**
 * {@link readOnlyQuery} with a time limit: the statement is checked here, then run in a child
 * process that is killed after `timeoutMs` (a recursive CTE can otherwise run forever).
 */
export async function readOnlyQueryWithTimeout(
  file: string,
  text: string,
  timeoutMs: number,
  params: unknown[] = [],
): Promise<QueryResult> {
  checkStatement(file, text, params).database.close();
  // 'advanced' serialization keeps what SQLite returns (BLOBs as Buffers, big integers) intact.
  const child = fork(CHILD, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
  type Reply = { ok: true; columns: string[]; rows: Record<string, unknown>[] } | { ok: false; message: string };
  try {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new QueryTimeoutError(timeoutMs)), timeoutMs);
      child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m as Reply);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new DbError('running the query', text, params, new Error(`query process exited (${signal ?? code})`)));
      });
      child.send({ file, text, params });
    });
    if (!reply.ok) throw new DbError('running the query', text, params, new Error(reply.message));
    return { columns: reply.columns, rows: reply.rows };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
