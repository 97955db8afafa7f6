export * from './errors.ts';
export * from './job-catalog.ts';
export * from './job-io.ts';
export * from './redact.ts';
export * from './redis-connection.ts';
export * from './redis-url.ts';
export * from './sweep-queues.ts';
