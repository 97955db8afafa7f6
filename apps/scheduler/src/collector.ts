import { stoppingOfSpecJson, type TrialEventRecord, type TrialJob, type TrialResult } from '@iwae-sweep/core';
import { applyTrialEvent, type ResultsDb, UnknownEntityError } from '@iwae-sweep/db';
import {
  clearRungDecisions,
  JobPayloadError,
  QUEUE_NAMES,
  readTrialEvent,
  resultEventJobId,
  type SweepQueues,
  writeRungDecision,
} from '@iwae-sweep/queue';
import { type AnyLog, asLevelLog, type LevelLog } from '@iwae-sweep/worker';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { remainingFlops } from './launcher.ts';
import { RungJudge } from './rung-judge.ts';

/** How long after a reconnection (and between failed tries) the collector reconciles. */
const RECONCILE_AFTER_RECONNECT_MS = 1000;

export interface CollectorOptions {
  db: ResultsDb;
  queues: SweepQueues;
  /** Reconcile the DB with Redis this often (and once at start, and after each reconnection). */
  reconcileEveryMs?: number;
  /** Plain lines (a progress display), or a leveled service log (`serve`). */
  log?: AnyLog;
  /** Called after each event is written (progress displays). */
  onEvent?: (event: TrialEventRecord) => void;
}

/**
 * The single writer of the results DB in distributed mode. It consumes the results queue
 * (events persist in Redis while it is down, so none is lost) and writes them with idempotent
 * upserts, and it reconciles the DB with what Redis holds: results of completed jobs, final
 * failures, and trials whose job vanished (re-queued).
 */
export class Collector {
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The pass in progress: passes run one at a time (two at once would both re-queue a lost job). */
  private passes: Promise<unknown> = Promise.resolve();
  private readonly onReconnect = () => this.reconcileSoon();
  private readonly log: LevelLog;
  private readonly judge: RungJudge;

  constructor(private readonly opts: CollectorOptions) {
    this.log = asLevelLog(opts.log);
    this.judge = new RungJudge(opts.db);
  }

  async start(): Promise<void> {
    await this.reconcile();
    const { queues } = this.opts;
    this.worker = new Worker(QUEUE_NAMES.results, (job) => this.process(job), {
      connection: queues.connection('worker'),
      prefix: queues.prefix,
      // One writer, in order: SQLite has one writer anyway, and events of a trial stay ordered.
      concurrency: 1,
      name: 'collector',
    });
    this.worker.on('error', (err) => this.log.error(`collector: ${err.message}`));
    const every = this.opts.reconcileEveryMs ?? 60_000;
    this.timer = setInterval(
      () => void this.reconcile().catch((err) => this.log.error(`reconcile: ${(err as Error).message}`)),
      every,
    );
    this.timer.unref();
    // Connected now: a later 'ready' is a reconnection, perhaps to a promoted replica or a Redis
    // restarted without its data, which may lack the last writes (jobs a launch added among them).
    queues.redis.on('ready', this.onReconnect);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.queues.redis.off('ready', this.onReconnect);
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.worker?.close();
  }

  /**
   * Reconciles shortly after a reconnection, and again until one pass succeeds (the other
   * connections may still be coming back): a trial whose job was lost would otherwise wait for
   * the next periodic pass. Also after a cancel that raced a resume (see `process`).
   */
  private reconcileSoon(): void {
    if (this.soon || this.stopped) return;
    this.soon = setTimeout(() => {
      void this.reconcile().then(
        () => {
          this.soon = undefined;
        },
        (err) => {
          this.log.error(`reconcile after a reconnection: ${(err as Error).message}`);
          this.soon = undefined;
          this.reconcileSoon();
        },
      );
    }, RECONCILE_AFTER_RECONNECT_MS);
    this.soon.unref();
  }

  private async process(job: Job): Promise<void> {
    let event: TrialEventRecord;
    try {
      event = readTrialEvent(job);
    } catch (err) {
      if (err instanceof JobPayloadError) throw new UnrecoverableError(err.message);
      throw err;
    }
    if (await this.fromStaleRun(event)) {
      this.log.warn(
        { trial: event.event.trialId, worker: event.workerId },
        `ignored a ${event.event.type} event of trial ${event.event.trialId} from ${event.workerId}: that run lost its lock to another`,
      );
      return;
    }
    if (event.event.type === 'cancelled' && this.opts.db.getSweep(event.sweepId)?.state === 'active') {
      // The run saw a cancel, and the sweep was resumed since (the trial still ran then, so the
      // resume could not queue it): it is pending, not cancelled. Its job completes as cancelled
      // right after this event; reconciliation then frees the id and queues it again.
      this.opts.db.setTrialStatus([event.event.trialId], 'queued');
      this.log.info(
        { trial: event.event.trialId, sweep: event.sweepId },
        `trial ${event.event.trialId} stopped for a cancel its sweep was resumed from: queued again`,
      );
      this.reconcileSoon();
      return;
    }
    try {
      applyTrialEvent(this.opts.db, event);
      await this.earlyStopping(event);
    } catch (err) {
      // An event for a trial this DB does not know can never be written: keep it failed in Redis.
      if (err instanceof UnknownEntityError) throw new UnrecoverableError(err.message);
      throw err;
    }
    this.logEvent(event);
    this.opts.onEvent?.(event);
  }

  /**
   * Whether the event comes from a run that has lost its trial to another run (a worker frozen or
   * cut off past its lock, now awake): another run holds the trial's lock. Its epochs and result
   * would be the same numbers (training is deterministic), but its status changes (started,
   * failed, cancelled) would overwrite the live run's: every event of such a run is dropped, and
   * the live run reports the epochs it restored again.
   */
  private async fromStaleRun(record: TrialEventRecord): Promise<boolean> {
    if (!record.run) return false;
    const { queues } = this.opts;
    const holder = await queues.redis.get(queues.keys.trialLock(record.event.trialId));
    return holder !== null && holder !== record.run;
  }

  /** Trial lifecycle in the service log: start, finish (and resume), failure, cancel. */
  private logEvent(record: TrialEventRecord): void {
    const e = record.event;
    const at = { trial: e.trialId, sweep: record.sweepId, worker: record.workerId, attempt: record.attempt };
    switch (e.type) {
      case 'started':
        this.log.info(at, `trial ${e.trialId} started on ${e.host ?? record.workerId} (attempt ${record.attempt})`);
        break;
      case 'result': {
        const resumed = e.result.resumedFromEpoch > 0 ? `, resumed from epoch ${e.result.resumedFromEpoch}` : '';
        this.log.info(at, `trial ${e.trialId} done: test NLL ${e.result.testNll.toFixed(2)}${resumed}`);
        break;
      }
      case 'failed':
        if (e.final) this.log.error(at, `trial ${e.trialId} failed for good: ${e.error.message}`);
        else this.log.warn(at, `trial ${e.trialId} failed (attempt ${record.attempt}, will retry): ${e.error.message}`);
        break;
      case 'cancelled':
        this.log.info(at, `trial ${e.trialId} cancelled after ${e.completedEpochs} epoch(s)`);
        break;
      case 'epoch':
        this.log.debug(at, `trial ${e.trialId} epoch ${e.metrics.epoch}/${e.totalEpochs}`);
        break;
      case 'phase':
        this.log.debug(at, `trial ${e.trialId} ${e.phase}`);
        break;
      case 'stopped':
        this.log.info(at, `trial ${e.trialId} stopped early by the sweep's rule after ${e.completedEpochs} epoch(s)`);
        break;
    }
  }

  /**
   * At a rung of the sweep's stopping rule, judges the trial and leaves the decision in Redis,
   * where the trial waits for it; once a trial has ended, its decisions are removed.
   */
  private async earlyStopping({ sweepId, event }: TrialEventRecord): Promise<void> {
    const { redis, prefix } = this.opts.queues;
    if (event.type === 'epoch') {
      const decision = this.judge.judge(sweepId, event.trialId, event.metrics, event.totalEpochs);
      if (decision) await writeRungDecision(redis, prefix, event.trialId, event.metrics.epoch, decision.stop);
    } else if (event.type === 'result' || event.type === 'stopped') {
      const epochs = this.opts.db.rungs.rungsOf(event.trialId).map((r) => r.epoch);
      await clearRungDecisions(redis, prefix, event.trialId, epochs);
    }
  }

  /**
   * Brings the DB in line with Redis for unfinished trials of active distributed sweeps:
   * a completed job's result is recorded (its return value holds it), a failed job marks the
   * trial failed, and a trial whose job is gone (lost, or removed) or ended cancelled is queued
   * again.
   */
  reconcile(): Promise<{ recorded: number; failed: number; requeued: number }> {
    const pass = this.passes.then(() => this.reconcilePass());
    this.passes = pass.catch(() => undefined);
    return pass;
  }

  private async reconcilePass(): Promise<{ recorded: number; failed: number; requeued: number }> {
    const { db, queues } = this.opts;
    const out = { recorded: 0, failed: 0, requeued: 0 };
    for (const sweep of db.sweepSummaries()) {
      if (sweep.mode !== 'redis' || sweep.state !== 'active' || sweep.queued + sweep.running === 0) continue;
      const pending = db.trialsWithConfig(sweep.id, ['queued', 'running']);
      const states = await queues.jobStates(pending.map((t) => t.id));
      const missing: { job: TrialJob; flops: number }[] = [];
      const requeue = (t: (typeof pending)[number]) => {
        const stopping = stoppingOfSpecJson(sweep.specJson);
        const judged = stopping && !db.rungs.wasStopped(t.id) ? { stopping } : {};
        missing.push({ job: { sweepId: t.sweepId, trialId: t.id, config: t.config, ...judged }, flops: remainingFlops(t) });
      };
      for (const t of pending) {
        const state = states.get(t.id);
        if (state === 'missing') {
          // Not in Redis: unless its result event is still waiting to be collected, queue it again.
          if (!(await queues.results.getJob(resultEventJobId(t.id)))) requeue(t);
          continue;
        }
        if (state !== 'completed' && state !== 'failed') continue;
        const job = await queues.trials.getJob(t.id);
        if (!job) continue;
        const ended = job.returnvalue as { cancelled?: boolean; stopped?: boolean } | null;
        if (state === 'completed' && ended?.cancelled && t.status === 'queued') {
          // Queued in an active sweep, yet its job ended cancelled: a resume (or launch) came
          // while the cancelled run was finishing, so it could neither free the job id nor add
          // the job again (its "cancelled" came before the resume, which marked it queued, or
          // after it, see `record`). Nothing would ever run it: free the id and queue it.
          try {
            await job.remove();
            requeue(t);
          } catch (err) {
            // Taken again meanwhile (a resume re-added it and a worker holds it): nothing to do.
            this.log.warn(`reconcile: left trial ${t.id} alone: ${(err as Error).message}`);
          }
        } else if (state === 'completed' && ended?.stopped) {
          // Stopped early, and its "stopped" event was lost: the job's return value says so.
          applyTrialEvent(db, {
            sweepId: t.sweepId,
            workerId: 'reconcile',
            attempt: Math.max(1, job.attemptsMade),
            event: { type: 'stopped', trialId: t.id, completedEpochs: t.epochsDone },
          });
        } else if (state === 'completed' && ended && !ended.cancelled) {
          if (db.recordResult(t.id, job.returnvalue as TrialResult)) out.recorded++;
        } else if (state === 'failed' && job.attemptsMade >= (job.opts.attempts ?? 1)) {
          db.trialFailed(t.id, { message: job.failedReason ?? 'failed', stack: job.stacktrace?.join('\n') }, { final: true });
          out.failed++;
        }
      }
      if (missing.length > 0) {
        // A pause or cancel may have come while this pass waited on Redis: queue nothing into it
        // (a paused sweep's workers would take the jobs; pause took its waiting jobs off already).
        const active = () => db.getSweep(sweep.id)?.state === 'active';
        if (!active()) continue;
        await queues.enqueueTrials(missing, { priority: (JSON.parse(sweep.specJson) as { priority?: number }).priority });
        if (!active()) {
          await queues.removeWaitingJobs(sweep.id);
          continue;
        }
        db.setTrialStatus(
          missing.map((m) => m.job.trialId),
          'queued',
        );
        out.requeued += missing.length;
      }
    }
    if (out.recorded + out.failed + out.requeued > 0) {
      this.log.info(
        `reconciled with Redis: ${out.recorded} result(s) recorded, ${out.failed} failure(s), ${out.requeued} trial(s) re-queued`,
      );
    }
    return out;
  }
}
