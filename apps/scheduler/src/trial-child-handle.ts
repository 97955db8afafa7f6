import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendName, TrialJob } from '@iwae-sweep/core';
import { type FromChild, fromChildSchema, type ToChild, TRIAL_CHILD_ENTRY, tsxExecArgv } from '@iwae-sweep/worker';

export interface TrialChildHandleEvents {
  message(child: TrialChildHandle, msg: FromChild): void;
  /** The process ended; `trialId` is the trial it was running, if any. */
  exit(
    child: TrialChildHandle,
    info: { code: number | null; signal: NodeJS.Signals | null; trialId?: string; stderr: string },
  ): void;
}

const STDERR_LINES = 30;

/**
 * The parent's end of the local child channel: one forked trial process of the local pool (its
 * other end, in the child, is apps/worker/src/trial-child-main.ts). It runs one trial at a time; its stderr is kept
 * (last lines) to explain a crash instead of being drawn over the progress display.
 */
export class TrialChildHandle {
  readonly proc: ChildProcess;
  private running: string | undefined;
  private stderrTail: string[] = [];
  private exited = false;

  constructor(
    readonly slot: number,
    private readonly events: TrialChildHandleEvents,
    entry: URL = TRIAL_CHILD_ENTRY,
  ) {
    this.proc = fork(fileURLToPath(entry), [], {
      execArgv: tsxExecArgv(),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Own process group: a terminal's Ctrl-C reaches the runner, which stops children itself.
      detached: true,
    });
    const keep = (chunk: Buffer) => {
      this.stderrTail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.stderrTail.length > STDERR_LINES) this.stderrTail.splice(0, this.stderrTail.length - STDERR_LINES);
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.proc.on('message', (raw) => {
      const parsed = fromChildSchema.safeParse(raw);
      if (!parsed.success) {
        keep(Buffer.from(`malformed message from child: ${parsed.error.message}`));
        return;
      }
      const msg = parsed.data;
      // A result or a failure ends the child's trial; every event names the trial it is about.
      const ends = msg.type === 'event' && ['result', 'failed', 'stopped'].includes(msg.event.type);
      if (ends && msg.event.trialId === this.running) this.running = undefined;
      this.events.message(this, msg);
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      const trialId = this.running;
      this.running = undefined;
      this.events.exit(this, { code, signal, ...(trialId ? { trialId } : {}), stderr: this.stderrTail.join('\n') });
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get trialId(): string | undefined {
    return this.running;
  }

  run(job: TrialJob, checkpointDir: string, backend: BackendName | undefined): void {
    if (this.running) throw new Error(`child ${this.slot} is already running ${this.running}`);
    this.running = job.trialId;
    this.send({ type: 'run', job, checkpointDir, ...(backend ? { backend } : {}) });
  }

  /** Tells the child what the stopping rule decided for its trial at a rung epoch. */
  decide(trialId: string, epoch: number, stop: boolean): void {
    this.send({ type: 'rung-decision', trialId, epoch, stop });
  }

  private send(msg: ToChild): void {
    if (this.proc.connected) this.proc.send(msg);
  }

  /** Asks the child to exit; kills it if it has not within `graceMs`. Resolves when it is gone. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    if (this.running) this.proc.kill('SIGKILL');
    else this.send({ type: 'shutdown' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
