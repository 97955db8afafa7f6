import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendName, TrialEvent, TrialEventOf, TrialJob } from '@iwae-sweep/core';
import { applyTrialEvent, type ResultsDb, type TrialWithConfig } from '@iwae-sweep/db';
import type { FromChild } from '@iwae-sweep/worker';
import type { RunDisplay } from './run-display.ts';
import { RungJudge } from './rung-judge.ts';
import { TrialChildHandle } from './trial-child-handle.ts';
import { trialLabel } from './trial-label.ts';

export interface LocalRunnerOptions {
  db: ResultsDb;
  sweepId: string;
  /** Trials to run, in order (most expensive first). */
  trials: TrialWithConfig[];
  workers: number;
  backend?: BackendName | undefined;
  /** Checkpoints go to `<artifactsDir>/checkpoints/<trial id>.ckpt`. */
  artifactsDir: string;
  /** Attempts per trial in this run (a crash or a retryable error uses one). */
  maxAttempts?: number;
  keepCheckpoints?: boolean;
  display: RunDisplay;
  host?: string;
  gitSha?: string | undefined;
  signal?: AbortSignal;
  /** The program each trial process runs (default: the worker's trial child, which trains). */
  childEntry?: URL;
}

export interface LocalRunSummary {
  started: number;
  done: number;
  failed: number;
  /** Ended early by the sweep's stopping rule. */
  stopped: number;
  interrupted: boolean;
  /** The sweep was cancelled (by `cancel` or the dashboard) while this run went on. */
  cancelled: boolean;
  seconds: number;
}

/** Children that die before running anything, in a row, before the run gives up. */
const MAX_STARTUP_CRASHES = 3;

/**
 * Runs a sweep's trials on this machine in a pool of child processes, one trial each at a time,
 * and is the single writer of the results DB. A trial that throws is recorded as failed and the
 * sweep goes on; a child that dies is replaced and its trial retried from its last checkpoint.
 * On abort, children are stopped and running trials go back to queued, to resume next run.
 */
export class LocalRunner {
  private readonly queue: TrialWithConfig[];
  private readonly byId = new Map<string, TrialWithConfig>();
  private readonly attempts = new Map<string, number>();
  private readonly children = new Set<TrialChildHandle>();
  private readonly ready = new Set<TrialChildHandle>();
  private readonly checkpointDir: string;
  private readonly maxAttempts: number;
  private stopping = false;
  private startupCrashes = 0;
  private fatal: Error | undefined;
  private finished!: () => void;
  private readonly summary: LocalRunSummary = {
    started: 0,
    done: 0,
    failed: 0,
    stopped: 0,
    interrupted: false,
    cancelled: false,
    seconds: 0,
  };
  private paused = false;
  private stateTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private readonly flopsTotal: number;
  private flopsDone = 0;
  private readonly partial = new Map<string, number>();
  private readonly judge: RungJudge;

  constructor(private readonly opts: LocalRunnerOptions) {
    this.queue = [...opts.trials];
    for (const t of opts.trials) this.byId.set(t.id, t);
    this.checkpointDir = join(opts.artifactsDir, 'checkpoints');
    this.maxAttempts = opts.maxAttempts ?? 2;
    this.flopsTotal = opts.trials.reduce((a, t) => a + t.flops, 0);
    this.judge = new RungJudge(opts.db);
  }

  async run(): Promise<LocalRunSummary> {
    if (this.queue.length === 0) return this.summary;
    const done = new Promise<void>((resolve) => {
      this.finished = resolve;
    });
    const onAbort = () => void this.stop();
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    // `cancel` and `pause` (CLI or dashboard) change the sweep's state in the DB: follow it.
    this.stateTimer = setInterval(() => this.followState(), 1000);
    try {
      const n = Math.max(1, Math.min(this.opts.workers, this.queue.length));
      for (let slot = 1; slot <= n; slot++) this.spawn(slot);
      await done;
    } finally {
      clearInterval(this.stateTimer);
      this.opts.signal?.removeEventListener('abort', onAbort);
      await Promise.all([...this.children].map((c) => c.stop()));
    }
    this.summary.seconds = (Date.now() - this.startedAt) / 1000;
    if (this.fatal) throw this.fatal;
    return this.summary;
  }

  private spawn(slot: number): void {
    const child = new TrialChildHandle(
      slot,
      {
        message: (c, msg) => this.onMessage(c, msg),
        exit: (c, info) => this.onExit(c, info),
      },
      this.opts.childEntry,
    );
    this.children.add(child);
  }

  private job(t: TrialWithConfig): TrialJob {
    const stopping = this.judge.stoppingOf(t.sweepId);
    return {
      sweepId: t.sweepId,
      trialId: t.id,
      config: t.config,
      ...(this.opts.backend ? { backend: this.opts.backend } : {}),
      // A trial the rule stopped before and that runs again (--resume-stopped) runs to its end.
      ...(stopping && !this.opts.db.rungs.wasStopped(t.id) ? { stopping } : {}),
    };
  }

  private followState(): void {
    const state = this.opts.db.getSweep(this.opts.sweepId)?.state;
    if (state === 'cancelled' && !this.stopping) {
      this.summary.cancelled = true;
      const running = [...this.children].map((c) => c.trialId).filter((id): id is string => id !== undefined);
      const queued = this.queue.splice(0).map((t) => t.id);
      void this.stop(false).then(() => this.opts.db.setTrialStatus([...running, ...queued], 'cancelled'));
      return;
    }
    const wasPaused = this.paused;
    this.paused = state === 'paused';
    if (wasPaused && !this.paused) this.dispatch();
  }

  private dispatch(): void {
    if (this.stopping || this.paused) return;
    for (const child of this.ready) {
      if (child.busy || !child.alive) continue;
      const t = this.queue.shift();
      if (!t) break;
      const attempt = (this.attempts.get(t.id) ?? 0) + 1;
      this.attempts.set(t.id, attempt);
      this.apply(child, {
        type: 'started',
        trialId: t.id,
        ...(this.opts.host ? { host: this.opts.host } : {}),
        ...(this.opts.backend ? { backend: this.opts.backend } : {}),
        ...(this.opts.gitSha ? { gitSha: this.opts.gitSha } : {}),
      });
      this.summary.started++;
      this.opts.display.trialStarted(child.slot, { id: t.id, label: trialLabel(t), config: t.config }, attempt);
      child.run(this.job(t), this.checkpointDir, this.opts.backend);
    }
    if (this.queue.length === 0 && ![...this.children].some((c) => c.busy)) this.finished();
  }

  /** Whether the sweep is paused: running trials go on, no new one starts. */
  get isPaused(): boolean {
    return this.paused;
  }

  private onMessage(child: TrialChildHandle, msg: FromChild): void {
    if (msg.type === 'ready') {
      this.ready.add(child);
      this.startupCrashes = 0;
      this.dispatch();
      return;
    }
    const trialId = msg.type === 'event' ? msg.event.trialId : msg.trialId;
    const t = this.byId.get(trialId);
    if (!t) return;
    const shown = { id: t.id, label: trialLabel(t), config: t.config };
    const { display } = this.opts;
    if (msg.type === 'eval-progress') {
      display.evalProgress(child.slot, shown, msg.done, msg.total);
      return;
    }
    const event = msg.event;
    switch (event.type) {
      case 'phase':
        this.apply(child, event);
        display.phase(child.slot, shown, event.phase, { resumedFromEpoch: event.resumedFromEpoch });
        break;
      case 'epoch':
        this.apply(child, event);
        this.partial.set(t.id, (t.flops * 0.9 * event.metrics.epoch) / event.totalEpochs);
        display.epoch(child.slot, shown, event.metrics, event.totalEpochs);
        this.showProgress();
        this.judgeRung(child, t, event);
        break;
      case 'stopped': {
        this.apply(child, event);
        this.summary.stopped++;
        this.partial.delete(t.id);
        this.flopsDone += t.flops;
        // The checkpoint stays: --resume-stopped continues from it.
        display.trialStopped(child.slot, shown, this.opts.db.getTrial(t.id)?.stopReason ?? 'stopped');
        this.showProgress();
        this.dispatch();
        break;
      }
      case 'result': {
        this.apply(child, event);
        if (!this.opts.keepCheckpoints) rmSync(join(this.checkpointDir, `${t.id}.ckpt`), { force: true });
        this.summary.done++;
        this.partial.delete(t.id);
        this.flopsDone += t.flops;
        const r = event.result;
        display.trialDone(
          child.slot,
          shown,
          `NLL ${r.testNll.toFixed(2)} (−L_${r.evalK}), train ${r.trainBound.toFixed(2)}, ${r.activeUnitsPerLayer.join('+')} active units, ${(r.trainSeconds + r.evalSeconds).toFixed(0)} s`,
        );
        this.showProgress();
        this.dispatch();
        break;
      }
      case 'failed':
        this.failed(child, t, event);
        this.dispatch();
        break;
      default:
        // A child neither starts (the runner does) nor cancels trials: record anything else as is.
        this.apply(child, event);
    }
  }

  /** At a rung of the sweep's stopping rule: judge the trial, and tell its child (which waits). */
  private judgeRung(child: TrialChildHandle, t: TrialWithConfig, event: TrialEventOf<'epoch'>): void {
    const decision = this.judge.judge(t.sweepId, t.id, event.metrics, event.totalEpochs);
    if (decision) child.decide(t.id, event.metrics.epoch, decision.stop);
  }

  /** Writes an event of one of this run's children to the DB, as the collector does for workers. */
  private apply(child: TrialChildHandle, event: TrialEvent): void {
    applyTrialEvent(this.opts.db, {
      sweepId: this.opts.sweepId,
      workerId: `local:${child.pid ?? '?'}`,
      attempt: this.attempts.get(event.trialId) ?? 1,
      event,
    });
  }

  /** A failure is final if the child says so or this run has no attempt left for the trial. */
  private failed(child: TrialChildHandle, t: TrialWithConfig, event: TrialEventOf<'failed'>): void {
    const final = event.final || (this.attempts.get(t.id) ?? 0) >= this.maxAttempts;
    this.apply(child, { ...event, final });
    this.partial.delete(t.id);
    this.opts.display.trialFailed(child.slot, { id: t.id, label: trialLabel(t), config: t.config }, event.error.message, final);
    if (final) {
      this.summary.failed++;
      this.flopsDone += t.flops;
    } else this.queue.unshift(t);
  }

  private onExit(
    child: TrialChildHandle,
    info: { code: number | null; signal: NodeJS.Signals | null; trialId?: string; stderr: string },
  ): void {
    this.children.delete(child);
    this.ready.delete(child);
    if (this.stopping) return;
    const t = info.trialId ? this.byId.get(info.trialId) : undefined;
    const how = info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
    if (t) {
      const tail = info.stderr.trim().split('\n').slice(-5).join('\n');
      const message = `trial process ${how}${tail ? `: ${tail}` : ''}`;
      this.failed(child, t, {
        type: 'failed',
        trialId: t.id,
        error: { name: 'TrialProcessExit', message, ...(info.stderr ? { stack: info.stderr } : {}) },
        final: false,
      });
    } else if (++this.startupCrashes >= MAX_STARTUP_CRASHES) {
      this.fatal = new Error(`trial processes keep dying before running anything (last ${how}):\n${info.stderr}`);
      void this.stop(false);
      return;
    }
    if (this.queue.length > 0) this.spawn(child.slot);
    this.dispatch();
  }

  private showProgress(): void {
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const partial = [...this.partial.values()].reduce((a, b) => a + b, 0);
    const doneFlops = this.flopsDone + partial;
    const eta = doneFlops > 0 ? ((this.flopsTotal - doneFlops) * elapsed) / doneFlops : Number.POSITIVE_INFINITY;
    this.opts.display.progress(this.summary.done + this.summary.failed + this.summary.stopped, this.opts.trials.length, eta);
  }

  /** Stops every child; trials they were running go back to queued (their checkpoints stay). */
  async stop(interrupted = true): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.summary.interrupted = interrupted;
    const running = [...this.children].map((c) => c.trialId).filter((id): id is string => id !== undefined);
    await Promise.all([...this.children].map((c) => c.stop()));
    if (running.length > 0) this.opts.db.setTrialStatus(running, 'queued');
    this.finished();
  }
}
