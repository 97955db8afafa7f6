export * from './child-messages.ts';
export * from './execute-trial.ts';
export * from './serialize-error.ts';
export * from './service-logger.ts';
export * from './trial-stopped-error.ts';
export * from './tsx-exec-argv.ts';

/** Path of the local trial child's entry point, for `fork`. */
export const TRIAL_CHILD_ENTRY = new URL('./trial-child-main.ts', import.meta.url);
export * from './distributed-worker.ts';
export * from './redis-checkpoint-store.ts';
export * from './trial-processor-factory.ts';
export * from './worker-command.ts';
export * from './worker-env.ts';
