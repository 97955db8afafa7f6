import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IwaeSweepError } from '@iwae-sweep/core';
import { serializeError } from './serialize-error.ts';
import { type FromTrialProcess, fromTrialProcessSchema, type ToTrialProcess } from './trial-process-messages.ts';

const MAIN = fileURLToPath(new URL('./trial-process-main.ts', import.meta.url));

/** A trial process ended while its worker waited for it: the attempt fails and is retried. */
export class TrialProcessExitedError extends IwaeSweepError {
  override readonly name = 'TrialProcessExitedError';
  constructor(pid: number | undefined, code: number | null, signal: NodeJS.Signals | null, starting: boolean) {
    super(
      'trial_process_exited',
      `trial process ${pid ?? '(not started)'} exited ${starting ? 'while it started' : 'during the trial'} (code ${code}, signal ${signal})`,
    );
  }
}

export interface TrialProcessOptions {
  /** The module whose default export runs one attempt (made by createTrialProcessor). */
  processorFile: string;
  execArgv: string[];
  env: NodeJS.ProcessEnv;
}

/** The job as its worker holds it: what an attempt needs of it (a BullMQ Job). */
export interface HeldJob {
  id?: string | undefined;
  name: string;
  data: unknown;
  attemptsMade: number;
  updateProgress(value: unknown): Promise<void>;
  moveToWait(token?: string): Promise<unknown>;
}

/**
 * A trial process as its worker sees it: forked at once, ready once its modules are loaded, then
 * running one attempt at a time. Whatever the process does, an attempt always settles: with the
 * process's outcome, or with TrialProcessExitedError when the process dies (at any moment,
 * starting up included), so that no worker can hold a job whose trial process is gone.
 */
export class TrialProcess {
  readonly pid: number | undefined;
  /** Resolves once the process has loaded the processor; rejects if it exits first. */
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;
  private exit: TrialProcessExitedError | undefined;
  private started = false;
  private readonly onExit: ((err: TrialProcessExitedError) => void)[] = [];

  constructor(opts: TrialProcessOptions) {
    this.child = fork(MAIN, [opts.processorFile], {
      execArgv: opts.execArgv,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.pid = this.child.pid;
    // Its output is the worker's (written through, without a listener per process on ours).
    this.child.stdout?.on('data', (d: Buffer) => process.stdout.write(d));
    this.child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    this.child.on('exit', (code, signal) => this.exited(code, signal));
    this.child.on('error', () => {
      // Not started at all (no 'exit' follows), or a message it could not take: it must end.
      if (this.pid === undefined) this.exited(null, null);
      else this.kill();
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (raw: unknown) => {
        const msg = fromTrialProcessSchema.safeParse(raw);
        if (!msg.success || msg.data.type !== 'ready') return;
        this.started = true;
        this.child.off('message', onMessage);
        resolve();
      };
      this.child.on('message', onMessage);
      this.whenExited(reject);
    });
    this.ready.catch(() => undefined); // also reported by the attempt that waits for it
  }

  /** Alive and not being stopped: may take an attempt. */
  get alive(): boolean {
    return this.exit === undefined && this.child.exitCode === null && this.child.signalCode === null && !this.child.killed;
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exit) return;
    this.exit = new TrialProcessExitedError(this.pid, code, signal, !this.started);
    for (const f of this.onExit.splice(0)) f(this.exit);
  }

  /** Calls `f` once the process has exited (at once if it has). Returns a function that cancels it. */
  whenExited(f: (err: TrialProcessExitedError) => void): () => void {
    if (this.exit) {
      f(this.exit);
      return () => undefined;
    }
    this.onExit.push(f);
    return () => {
      const i = this.onExit.indexOf(f);
      if (i >= 0) this.onExit.splice(i, 1);
    };
  }

  private send(msg: ToTrialProcess): void {
    if (!this.child.connected) return void this.kill();
    // A message that cannot be delivered leaves the process useless: ended, its attempt fails.
    this.child.send(msg, (err) => err && this.kill());
  }

  /**
   * Runs one attempt of `job` in this process: resolves with what the processor returned, or
   * rejects with its error (name and message kept: BullMQ tells WaitingError and
   * UnrecoverableError by name) or with TrialProcessExitedError. Aborting `signal` cancels the
   * attempt (its reason is passed on: cancelled sweep, or shutdown).
   */
  async run(job: HeldJob, token: string | undefined, signal?: AbortSignal): Promise<unknown> {
    await this.ready;
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let cancelExit: () => void = () => undefined;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        this.child.off('message', onMessage);
        signal?.removeEventListener('abort', onAbort);
        cancelExit();
        f();
      };
      const onMessage = (raw: unknown) => {
        const parsed = fromTrialProcessSchema.safeParse(raw);
        if (!parsed.success) {
          process.stderr.write(`trial process ${this.pid}: ignoring a malformed message: ${parsed.error.message}\n`);
          return;
        }
        void this.handle(
          parsed.data,
          job,
          (value) => settle(() => resolve(value)),
          (err) => settle(() => reject(err)),
        );
      };
      const onAbort = () => this.send({ type: 'cancel', reason: String(signal?.reason ?? 'cancelled') });
      this.child.on('message', onMessage);
      cancelExit = this.whenExited((err) => settle(() => reject(err)));
      if (settled) return;
      this.send({
        type: 'run',
        job: { ...(job.id ? { id: job.id } : {}), name: job.name, data: job.data, attemptsMade: job.attemptsMade },
        ...(token ? { token } : {}),
      });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async handle(
    msg: FromTrialProcess,
    job: HeldJob,
    resolve: (value: unknown) => void,
    reject: (err: Error) => void,
  ): Promise<void> {
    switch (msg.type) {
      case 'progress':
        // A report lost while Redis is away is not the attempt's failure: the next one follows.
        await job.updateProgress(msg.value).catch(() => undefined);
        return;
      case 'move-to-wait':
        try {
          await job.moveToWait(msg.token);
          this.send({ type: 'moved' });
        } catch (err) {
          this.send({ type: 'moved', error: serializeError(err) });
        }
        return;
      case 'completed':
        return resolve(msg.value);
      case 'failed':
        return reject(Object.assign(new Error(msg.error.message), msg.error));
      case 'ready':
        return;
    }
  }

  /** Ends the process at once (its attempt, if any, fails). */
  kill(): void {
    try {
      this.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Asks the process to exit (SIGTERM), SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exit) return;
    const gone = new Promise<void>((resolve) => this.whenExited(() => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

/**
 * A worker's trial processes: one per running attempt, kept between attempts (loading the
 * training stack takes seconds), ended on close.
 */
export class TrialProcessPool {
  private readonly idle: TrialProcess[] = [];
  private readonly all = new Set<TrialProcess>();
  private closed = false;

  constructor(private readonly opts: TrialProcessOptions) {}

  /** A process for one attempt: an idle one, or a new one (its attempt waits until it is ready). */
  take(): TrialProcess {
    if (this.closed) throw new Error('the worker is stopping: it starts no trial process');
    for (let p = this.idle.pop(); p; p = this.idle.pop()) if (p.alive) return p;
    const p = new TrialProcess(this.opts);
    this.all.add(p);
    p.whenExited(() => {
      this.all.delete(p);
      const i = this.idle.indexOf(p);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return p;
  }

  /** Back from an attempt: kept if it is alive, else forgotten. */
  give(p: TrialProcess): void {
    if (p.alive && !this.closed) this.idle.push(p);
    else if (p.alive) void p.stop();
  }

  /** Every process ended (after the worker's attempts have settled). */
  async close(): Promise<void> {
    this.closed = true;
    this.idle.length = 0;
    const all = [...this.all];
    this.all.clear();
    await Promise.all(all.map((p) => p.stop()));
  }
}
