import { afterEach } from 'vitest';

export type Cleanup = () => Promise<void> | void;

/**
 * What a test sets up (a deployment, a queue, a process), torn down after that test in reverse
 * order, so each test can run alone (-t) and one failure leaves nothing for the next. Returns the
 * function that registers a cleanup; call it once per file, at the top.
 */
export function cleanupAfterEach(): (fn: Cleanup) => void {
  let pending: Cleanup[] = [];
  afterEach(async () => {
    const run = pending.reverse();
    pending = [];
    for (const fn of run) await fn();
  });
  return (fn) => {
    pending.push(fn);
  };
}
