import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BackendName, TrialJob } from '@iwae-sweep/core';
import {
  checkRedis,
  connectionOptions,
  DEFAULT_PREFIX,
  emitTrialEvent,
  QUEUE_NAMES,
  RedisConnectionError,
  type RedisTls,
  readRedisCa,
  subscribeControl,
  type WorkerInfo,
  WorkerRegistry,
} from '@iwae-sweep/queue';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { serializeError } from './serialize-error.ts';
import { type AnyLog, asLevelLog, type LevelLog } from './service-logger.ts';
import { DEFAULT_STALL_TIMEOUT_MS, progressEveryMs, StallWatchdog } from './stall-watchdog.ts';
import { type TrialProcess, TrialProcessPool } from './trial-process.ts';
import { trialProgressSchema } from './trial-progress.ts';
import { tsxExecArgv } from './tsx-exec-argv.ts';
import { workerEnv } from './worker-env.ts';

export interface DistributedWorkerOptions {
  url: string;
  prefix?: string;
  /** CA certificate file for rediss:// with a private CA (passed on to the trial processes). */
  caFile?: string | undefined;
  /** Trials run at once in this worker (one trial process each). */
  concurrency?: number;
  backend?: BackendName | undefined;
  /** Pin trials to one GPU (CUDA_VISIBLE_DEVICES in the trial processes). */
  gpu?: number | undefined;
  /** "redis" or a directory all workers share. */
  checkpoints: string;
  workerId?: string | undefined;
  /** The host name workers report (default: the machine's). */
  host?: string | undefined;
  gitSha?: string | undefined;
  /** BullMQ lock: a job whose worker stops renewing it for this long is handed to another. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /**
   * A trial that reports no progress for this long (or 3 × its longest silence so far, if more)
   * while this worker reaches Redis has its process ended: the attempt fails and is retried from
   * its checkpoint. 0: never. Default 2 h (an epoch of a large trial on a slow CPU is long).
   */
  stallTimeoutMs?: number;
  /** The module trial processes run attempts with (default: trial-processor.ts, which trains). */
  processorFile?: string;
  /** Leveled log, or plain lines (default: lines on stderr). */
  log?: AnyLog;
}

const PROCESSOR = fileURLToPath(new URL('./trial-processor.ts', import.meta.url));

/**
 * Waits for Redis: unreachable → retry with backoff; refused credentials → throw at once. Each
 * try allows more time (5 s, 10 s, … 60 s): on a slow link the TLS handshake, AUTH and PING are
 * several round trips each, and a fixed budget too short for them would never pass.
 */
async function waitForRedis(url: string, tls: RedisTls, log: LevelLog, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await checkRedis(url, { timeoutMs: Math.min(5000 * attempt, 60_000), tls });
      return;
    } catch (err) {
      if (!(err instanceof RedisConnectionError) || err.permanent) throw err;
      const delay = Math.min(1000 * 2 ** Math.min(attempt - 1, 5), 30_000);
      log.warn(`${err.message}; retrying in ${delay / 1000} s`);
      await new Promise((r) => setTimeout(r, delay));
      if (signal?.aborted) throw err;
    }
  }
}

/** Times a trial may be handed back by a worker that stopped renewing its lock. */
export const MAX_STALLS = 20;

/**
 * A worker process: pulls trials from Redis and runs each in a trial process of its own, which
 * it forks and watches (not BullMQ's sandbox: a process killed while it started left BullMQ
 * waiting for its handshake forever, the job active and locked by this healthy worker).
 * Whatever a trial process does, its attempt settles: when it exits, the attempt fails.
 * Cancellations published by the scheduler reach the trials running here; on stop, running
 * trials end at their next epoch boundary and go back to the queue for any worker to resume.
 * Failures (thrown errors and crashed children alike) are reported on the results queue.
 */
export class DistributedWorker {
  private readonly active = new Map<string, string>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private stopping: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private finished = 0;

  private constructor(
    readonly id: string,
    private readonly worker: Worker,
    private readonly processes: TrialProcessPool,
    /**
     * The process running each attempt, for the watchdog. Keyed by the attempt's Job: BullMQ makes
     * one per fetch, and hands that one to the processor and to its 'progress' events. Not by job
     * id: this worker may hold two attempts of one job (it was frozen past the lock, and the job,
     * handed back, was fetched again by it), and each must end only its own process and watch.
     */
    private readonly attempts: Map<Job<TrialJob>, TrialProcess>,
    private readonly results: Queue,
    private readonly redis: Redis,
    private readonly registry: WorkerRegistry,
    readonly info: Omit<WorkerInfo, 'running' | 'finished' | 'lastSeen' | 'state'>,
    private readonly log: LevelLog,
  ) {}

  static async start(opts: DistributedWorkerOptions): Promise<DistributedWorker> {
    const log = asLevelLog(opts.log);
    const tls = opts.caFile ? readRedisCa(opts.caFile) : {};
    const prefix = opts.prefix ?? DEFAULT_PREFIX;
    const host = opts.host ?? hostname();
    const id = opts.workerId ?? `${host}:${process.pid}`;
    const stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      IWAE_SWEEP_REDIS_URL: opts.url,
      IWAE_SWEEP_PREFIX: prefix,
      IWAE_SWEEP_CHECKPOINTS: opts.checkpoints,
      IWAE_SWEEP_WORKER_ID: id,
      IWAE_SWEEP_HOST: host,
      // Trial processes compare it with their parent pid: a mismatch means their worker died.
      IWAE_SWEEP_PARENT_PID: String(process.pid),
      ...(opts.caFile ? { IWAE_SWEEP_REDIS_CA: opts.caFile } : {}),
      ...(opts.backend ? { IWAE_SWEEP_BACKEND: opts.backend } : {}),
      ...(opts.gpu !== undefined
        ? {
            IWAE_SWEEP_GPU: String(opts.gpu),
            CUDA_VISIBLE_DEVICES: String(opts.gpu),
            // TensorFlow takes nearly all of a GPU's memory in its first process unless told to
            // grow on demand: without this, a second trial process on the same GPU fails.
            TF_FORCE_GPU_ALLOW_GROWTH: process.env.TF_FORCE_GPU_ALLOW_GROWTH ?? 'true',
          }
        : {}),
      ...(opts.gitSha ? { IWAE_SWEEP_GIT_SHA: opts.gitSha } : {}),
      IWAE_SWEEP_PROGRESS_MS: String(progressEveryMs(stallMs)),
    };
    // What every trial process will read, checked now: a bad IWAE_SWEEP_* variable would fail each
    // trial this worker takes (the whole sweep, at its pace), not the worker.
    workerEnv(childEnv);
    await waitForRedis(opts.url, tls, log);
    const processes = new TrialProcessPool({
      processorFile: opts.processorFile ?? PROCESSOR,
      execArgv: tsxExecArgv(),
      env: childEnv,
    });
    const attempts = new Map<Job<TrialJob>, TrialProcess>();
    // In this process: the attempt is the worker's own, settled by its trial process's outcome or exit.
    const processTrial = async (job: Job<TrialJob>, token?: string, signal?: AbortSignal): Promise<unknown> => {
      const proc = processes.take();
      attempts.set(job, proc);
      // Watched from here, before its process has started: a process frozen while it starts must
      // still be ended.
      dw.watchdog?.started(job);
      try {
        return await proc.run(job, token, signal);
      } finally {
        // The attempt's end, whatever it was: BullMQ reports none of an attempt handed back
        // (WaitingError) or of one whose completion or failure lost the lock.
        attempts.delete(job);
        dw.watchdog?.ended(job);
        processes.give(proc);
      }
    };
    const worker = new Worker(QUEUE_NAMES.trials, processTrial, {
      connection: connectionOptions(opts.url, 'worker', tls),
      prefix,
      name: id,
      concurrency: opts.concurrency ?? 1,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
      // A stall is this worker failing its trial (killed, frozen, cut off past its lock), not the
      // trial failing: a crashing trial kills only its trial process, and that attempt counts.
      // With the old limit of 2, a trial whose hosts were hit three times failed for good (seen
      // twice in a 210-trial chaos run: 'job stalled more than allowable limit').
      maxStalledCount: MAX_STALLS,
      autorun: false,
    });
    const results = new Queue(QUEUE_NAMES.results, { connection: connectionOptions(opts.url, 'worker', tls), prefix });
    const redis = new Redis(connectionOptions(opts.url, 'worker', tls));
    redis.on('error', () => undefined); // reconnects by itself; the worker's own connections log
    const registry = new WorkerRegistry(redis, prefix, Math.max(5000, Math.min(opts.lockDurationMs ?? 30_000, 15_000)));
    const info = {
      id,
      host,
      pid: process.pid,
      backend: opts.backend ?? 'auto',
      ...(opts.gpu !== undefined ? { gpu: opts.gpu } : {}),
      concurrency: opts.concurrency ?? 1,
      startedAt: Date.now(),
    };
    const dw = new DistributedWorker(id, worker, processes, attempts, results, redis, registry, info, log);
    if (stallMs > 0) dw.watchdog = dw.watchStalls(stallMs);
    worker.on('active', (job: Job<TrialJob>) => {
      dw.active.set(job.id as string, job.data.sweepId);
      log.info(
        { trial: job.id, sweep: job.data.sweepId, attempt: job.attemptsMade + 1 },
        `trial ${job.id} started (sweep ${job.data.sweepId}, attempt ${job.attemptsMade + 1})`,
      );
      void dw.beat();
    });
    worker.on('progress', (job: Job<TrialJob>, progress: unknown) => {
      // `job` is the instance the attempt's processor was given (its trial process's reports go
      // through it): the report is that attempt's.
      if (trialProgressSchema.safeParse(progress).success) dw.watchdog?.progressed(job);
    });
    worker.on('completed', (job: Job<TrialJob>) => {
      dw.active.delete(job.id as string);
      dw.finished++;
      log.info({ trial: job.id }, `trial ${job.id} finished`);
      void dw.beat();
    });
    worker.on('failed', (job: Job<TrialJob> | undefined, err: Error) => {
      if (!job) return;
      dw.active.delete(job.id as string);
      dw.finished++;
      void dw.reportFailure(job, err);
      void dw.beat();
    });
    worker.on('lockRenewalFailed', (jobIds: string[]) => {
      // Not ours any more: its run stops at its next write (fenced). Its watch stays until its
      // processor settles: an attempt that stalls before that write still holds a trial process
      // and a slot here, and must be ended. (Ending watches here, by job id, could end those of
      // a newer attempt of the same job.)
      log.warn(
        { trials: jobIds },
        `lost the lock of ${jobIds.join(', ')} (another worker may take them; this run stops at its next write)`,
      );
    });
    worker.on('error', (err) => log.error(`worker ${id}: ${err.message}`));
    dw.unsubscribe = await subscribeControl(
      opts.url,
      prefix,
      (msg) => {
        if (msg.type !== 'cancel') return;
        for (const [jobId, sweepId] of dw.active) {
          if (sweepId === msg.sweepId) {
            log.info({ trial: jobId }, `cancelling trial ${jobId} (sweep ${sweepId} cancelled)`);
            worker.cancelJob(jobId, 'cancelled');
          }
        }
      },
      tls,
    );
    void worker.run();
    await dw.beat();
    dw.heartbeat = setInterval(() => void dw.beat(), Math.floor(registry.ttlMs / 3));
    dw.heartbeat.unref();
    if (opts.gpu !== undefined && (opts.concurrency ?? 1) > 1) {
      log.info(
        `${opts.concurrency} trials share GPU ${opts.gpu}: one TensorFlow process each, with its own model and ` +
          'GPU memory grown on demand (TF_FORCE_GPU_ALLOW_GROWTH); lower --concurrency if a trial runs out of GPU memory',
      );
    }
    return dw;
  }

  private beating = false;
  private beatAgain = false;
  private watchdog: StallWatchdog<Job<TrialJob>> | undefined;

  /** Ends the process of a trial that stalls (its attempt fails, and is retried from its checkpoint). */
  private watchStalls(stallMs: number): StallWatchdog<Job<TrialJob>> {
    return new StallWatchdog<Job<TrialJob>>({
      stallMs,
      connected: () => this.redis.status === 'ready',
      onStall: (job, silentMs) => {
        const jobId = job.id as string;
        const silent = `${Math.round(silentMs / 1000)} s`;
        // The process this worker runs the attempt in, known from its start. Only while the
        // attempt runs: once it settles, that process is back in the pool and may run another trial.
        const proc = this.attempts.get(job);
        if (!proc) {
          // The attempt settled as the watchdog looked: nothing holds the job.
          this.log.error({ trial: jobId }, `trial ${jobId} made no progress for ${silent}, and has no trial process`);
          return;
        }
        this.log.warn(
          { trial: jobId, pid: proc.pid },
          `trial ${jobId} made no progress for ${silent}: ending its process ${proc.pid} (the attempt fails and is retried from its checkpoint)`,
        );
        proc.kill();
      },
    });
  }

  /**
   * Announces this worker: one beat at a time (a beat stuck on a cut link is not piled up), but
   * a change asked for during a beat is sent right after it. Skipping it instead left a trial
   * that started during the first beat unannounced until the next interval (CI: `status` read
   * a worker running nothing while its trial evaluated).
   */
  private async beat(): Promise<void> {
    if (this.stopping) return;
    if (this.beating) {
      this.beatAgain = true;
      return;
    }
    this.beating = true;
    try {
      do {
        this.beatAgain = false;
        await this.registry.beat(this.snapshot());
      } while (this.beatAgain && !this.stopping);
    } catch {
      // Redis away: the next beat retries; meanwhile status shows this worker as vanished.
    } finally {
      this.beating = false;
    }
  }

  private snapshot(): WorkerInfo {
    return { ...this.info, running: [...this.active.keys()], finished: this.finished, lastSeen: Date.now(), state: 'running' };
  }

  private async reportFailure(job: Job<TrialJob>, err: Error): Promise<void> {
    const data = job.data as Partial<TrialJob>;
    if (!data.sweepId || !data.trialId) return; // malformed: nothing to attribute it to
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    const line = `trial ${job.id} failed (attempt ${job.attemptsMade}${final ? ', final' : ', will retry'}): ${err.message}`;
    if (final) this.log.error({ trial: job.id }, line);
    else this.log.warn({ trial: job.id }, line);
    try {
      await emitTrialEvent(this.results, {
        sweepId: data.sweepId,
        workerId: this.id,
        attempt: Math.max(1, job.attemptsMade),
        ...(job.token ? { run: job.token } : {}),
        event: {
          type: 'failed',
          trialId: data.trialId,
          error: serializeError(err),
          final,
        },
      });
    } catch (e) {
      this.log.error(`could not report the failure of ${job.id}: ${(e as Error).message}`);
    }
  }

  /** Running trials (job ids) in this worker. */
  get running(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Graceful stop: running trials stop at their next epoch boundary (checkpoint saved) and go
   * back to the queue; then the connections close.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.watchdog?.stop();
      this.worker.cancelAllJobs('shutdown');
      await this.worker.close();
      await this.processes.close();
      await this.results.close();
      await this.unsubscribe?.();
      await this.registry.stopped(this.snapshot()).catch(() => undefined);
      await this.redis.quit().catch(() => this.redis.disconnect());
    })();
    return this.stopping;
  }
}
