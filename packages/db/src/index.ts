export * from './apply-trial-event.ts';
export * from './config-columns.ts';
export * from './db-file.ts';
export type * from './db-types.ts';
export * from './errors.ts';
export * from './filters.ts';
export * from './read-only-query.ts';
export * from './results-db.ts';
export * from './schema.ts';
