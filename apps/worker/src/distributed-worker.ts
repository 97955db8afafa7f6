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
  subscribeControl,
} from '@iwae-sweep/queue';
import { type Job, Queue, Worker } from 'bullmq';
import { serializeError } from './serialize-error.ts';
import { tsxExecArgv } from './tsx-exec-argv.ts';

export interface DistributedWorkerOptions {
  url: string;
  prefix?: string;
  /** Trials run at once in this worker (one sandboxed process each). */
  concurrency?: number;
  backend?: BackendName | undefined;
  /** Pin trials to one GPU (CUDA_VISIBLE_DEVICES in the trial processes). */
  gpu?: number | undefined;
  /** "redis" or a directory all workers share. */
  checkpoints: string;
  workerId?: string;
  gitSha?: string | undefined;
  /** BullMQ lock: a job whose worker stops renewing it for this long is handed to another. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** The sandboxed processor module (default: trial-processor.ts, which trains). */
  processorFile?: string;
  log?: (line: string) => void;
}

const PROCESSOR = fileURLToPath(new URL('./trial-processor.ts', import.meta.url));

/** Waits for Redis: unreachable → retry with backoff; refused credentials → throw at once. */
async function waitForRedis(url: string, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await checkRedis(url, 5000);
      return;
    } catch (err) {
      if (!(err instanceof RedisConnectionError) || /authentication failed/.test(err.message)) throw err;
      const delay = Math.min(1000 * 2 ** Math.min(attempt - 1, 5), 30_000);
      log(`${err.message}; retrying in ${delay / 1000} s`);
      await new Promise((r) => setTimeout(r, delay));
      if (signal?.aborted) throw err;
    }
  }
}

/**
 * A worker process: pulls trials from Redis and runs each in a sandboxed child process.
 * Cancellations published by the scheduler reach the trials running here; on stop, running
 * trials end at their next epoch boundary and go back to the queue for any worker to resume.
 * Failures (thrown errors and crashed children alike) are reported on the results queue.
 */
export class DistributedWorker {
  private readonly active = new Map<string, string>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly id: string,
    private readonly worker: Worker,
    private readonly results: Queue,
    private readonly log: (line: string) => void,
  ) {}

  static async start(opts: DistributedWorkerOptions): Promise<DistributedWorker> {
    const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    await waitForRedis(opts.url, log);
    const prefix = opts.prefix ?? DEFAULT_PREFIX;
    const id = opts.workerId ?? `${hostname()}:${process.pid}`;
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      IWAE_SWEEP_REDIS_URL: opts.url,
      IWAE_SWEEP_PREFIX: prefix,
      IWAE_SWEEP_CHECKPOINTS: opts.checkpoints,
      IWAE_SWEEP_WORKER_ID: id,
      IWAE_SWEEP_HOST: hostname(),
      ...(opts.backend ? { IWAE_SWEEP_BACKEND: opts.backend } : {}),
      ...(opts.gpu !== undefined ? { IWAE_SWEEP_GPU: String(opts.gpu), CUDA_VISIBLE_DEVICES: String(opts.gpu) } : {}),
      ...(opts.gitSha ? { IWAE_SWEEP_GIT_SHA: opts.gitSha } : {}),
    };
    const worker = new Worker(QUEUE_NAMES.trials, opts.processorFile ?? PROCESSOR, {
      connection: connectionOptions(opts.url, 'worker'),
      prefix,
      name: id,
      concurrency: opts.concurrency ?? 1,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
      maxStalledCount: 2,
      useWorkerThreads: false,
      workerForkOptions: { execArgv: tsxExecArgv(), env: childEnv },
      autorun: false,
    });
    // BullMQ pipes every trial process's output into ours: one listener set per process.
    for (const stream of [process.stdout, process.stderr])
      stream.setMaxListeners(Math.max(stream.getMaxListeners(), 4 * (opts.concurrency ?? 1) + 10));
    const results = new Queue(QUEUE_NAMES.results, { connection: connectionOptions(opts.url, 'worker'), prefix });
    const dw = new DistributedWorker(id, worker, results, log);
    worker.on('active', (job: Job<TrialJob>) => dw.active.set(job.id as string, job.data.sweepId));
    worker.on('completed', (job: Job<TrialJob>) => dw.active.delete(job.id as string));
    worker.on('failed', (job: Job<TrialJob> | undefined, err: Error) => {
      if (!job) return;
      dw.active.delete(job.id as string);
      void dw.reportFailure(job, err);
    });
    worker.on('error', (err) => log(`worker ${id}: ${err.message}`));
    dw.unsubscribe = await subscribeControl(opts.url, prefix, (msg) => {
      if (msg.type !== 'cancel') return;
      for (const [jobId, sweepId] of dw.active) {
        if (sweepId === msg.sweepId) {
          log(`worker ${id}: cancelling trial ${jobId} (sweep ${sweepId} cancelled)`);
          worker.cancelJob(jobId, 'cancelled');
        }
      }
    });
    void worker.run();
    log(`worker ${id}: waiting for trials (concurrency ${opts.concurrency ?? 1}, checkpoints in ${opts.checkpoints})`);
    return dw;
  }

  private async reportFailure(job: Job<TrialJob>, err: Error): Promise<void> {
    const data = job.data as Partial<TrialJob>;
    if (!data.sweepId || !data.trialId) return; // malformed: nothing to attribute it to
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    this.log(
      `worker ${this.id}: trial ${job.id} failed (attempt ${job.attemptsMade}${final ? ', final' : ', will retry'}): ${err.message}`,
    );
    try {
      await emitTrialEvent(this.results, {
        sweepId: data.sweepId,
        workerId: this.id,
        attempt: Math.max(1, job.attemptsMade),
        event: {
          type: 'failed',
          trialId: data.trialId,
          error: serializeError(err),
          final,
        },
      });
    } catch (e) {
      this.log(`worker ${this.id}: could not report the failure of ${job.id}: ${(e as Error).message}`);
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
      this.worker.cancelAllJobs('shutdown');
      await this.worker.close();
      await this.results.close();
      await this.unsubscribe?.();
    })();
    return this.stopping;
  }
}
