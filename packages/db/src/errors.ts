import { IwaeSweepError } from '@iwae-sweep/core';

/** A statement failed; the message carries the statement and its parameters. */
export class DbError extends IwaeSweepError {
  override readonly name = 'DbError';
  readonly sql: string;
  readonly params: unknown[];
  constructor(what: string, sql: string, params: unknown[], cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('db', `${what} failed: ${reason}\n  SQL: ${sql}\n  params: ${JSON.stringify(params).slice(0, 500)}`, { cause });
    this.sql = sql;
    this.params = params;
  }
}

/** A write names a sweep or trial the DB does not have. */
export class UnknownEntityError extends IwaeSweepError {
  override readonly name = 'UnknownEntityError';
  constructor(kind: 'sweep' | 'trial', id: string) {
    super('unknown_entity', `no ${kind} with id "${id}" in the results DB`);
  }
}

/** `query` was given a statement that writes, or more than one statement. */
export class ReadOnlyQueryError extends IwaeSweepError {
  override readonly name = 'ReadOnlyQueryError';
  constructor(message: string) {
    super('read_only', message);
  }
}

/** `query` ran past its time limit and was stopped. */
export class QueryTimeoutError extends IwaeSweepError {
  override readonly name = 'QueryTimeoutError';
  constructor(timeoutMs: number) {
    super(
      'query_timeout',
      `query stopped after ${timeoutMs / 1000} s (the --timeout limit); narrow it, or give a longer --timeout`,
    );
  }
}
