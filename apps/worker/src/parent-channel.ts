import type { z } from 'zod';

/**
 * A forked process's end of its IPC channel with the process that forked it: the worker's trial
 * processes (trial-process-main.ts) and the local runner's trial children (trial-child-main.ts)
 * each speak their own protocol over one. What the parent sends is parsed: it is a separate
 * program, and its messages are input like any other.
 */
export class ParentChannel<In, Out> {
  /** `who` names this process in what it writes on stderr. */
  constructor(
    private readonly who: string,
    private readonly schema: z.ZodType<In>,
  ) {}

  /** Resolves once the message has left, or at once if the parent is gone. */
  send(msg: Out): Promise<void> {
    return new Promise((resolve) => {
      if (!process.connected || !process.send) return resolve();
      process.send(msg, undefined, {}, () => resolve());
    });
  }

  /** Calls `handle` with each message from the parent; a malformed one is logged and dropped. */
  listen(handle: (msg: In) => Promise<void> | void): void {
    process.on('message', (raw: unknown) => {
      const parsed = this.schema.safeParse(raw);
      if (!parsed.success) {
        process.stderr.write(`${this.who}: ignoring a malformed message: ${parsed.error.message}\n`);
        return;
      }
      void handle(parsed.data);
    });
  }
}
