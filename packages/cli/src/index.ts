export * from './exit-codes.ts';
export * from './flag-parsers.ts';
export * from './git-sha.ts';
export * from './redis-flags.ts';
export * from './run-program.ts';
export * from './shared-env.ts';
export * from './terminal-safe.ts';
