/**
 * The body of a trial process: its worker forks one per concurrent trial (trial-process.ts), so
 * training (CPU-bound for minutes) never blocks the worker's event loop, which must keep renewing
 * job locks. Per-epoch metrics and the result leave through the
 * results queue as they happen; checkpoints go to the shared store every epoch. The trial itself
 * is a parameter: trial-processor.ts trains; benchmarks substitute a fixed sleep to measure the
 * orchestration alone.
 */
import { hostname } from 'node:os';
import type { TrialEvent, TrialEventRecord, TrialJob, TrialResult } from '@iwae-sweep/core';
import { type CheckpointStore, DirectoryCheckpointStore, TrainingAbortedError } from '@iwae-sweep/iwae';
import {
  connectionOptions,
  emitTrialEvent,
  isSweepCancelled,
  QUEUE_NAMES,
  type RedisTls,
  readRedisCa,
  readTrialJob,
} from '@iwae-sweep/queue';
import { Queue, UnrecoverableError, WaitingError } from 'bullmq';
import { Redis } from 'ioredis';
import type { ExecuteOptions } from './execute-trial.ts';
import { FencedDirectoryStore } from './fenced-directory-store.ts';
import { LostTrialError } from './lost-trial-error.ts';
import { exitWhenOrphaned, orphaned } from './orphan-guard.ts';
import { RedisCheckpointStore } from './redis-checkpoint-store.ts';
import { RunFence } from './run-fence.ts';
import { RungWaits } from './rung-waits.ts';
import type { TrialProgress } from './trial-progress.ts';
import { STOPPED_BY_RULE, TrialStoppedError } from './trial-stopped-error.ts';
import { type WorkerEnv, workerEnv } from './worker-env.ts';

interface SandboxContext {
  env: WorkerEnv;
  redis: Redis;
  results: Queue;
}

let context: SandboxContext | undefined;

/** Connections of this trial process, made on its first job (the module may be imported anywhere). */
function sandbox(): SandboxContext {
  if (context) return context;
  const env = workerEnv();
  const tls: RedisTls = env.IWAE_SWEEP_REDIS_CA ? readRedisCa(env.IWAE_SWEEP_REDIS_CA) : {};
  // Commands wait out a reconnection, up to IWAE_SWEEP_COMMAND_TIMEOUT_MS each: then the attempt
  // fails and is retried from its checkpoint, rather than wait forever on a lost command.
  const options = () => connectionOptions(env.IWAE_SWEEP_REDIS_URL, 'trial', tls, env.IWAE_SWEEP_COMMAND_TIMEOUT_MS);
  const redis = new Redis(options());
  redis.on('error', () => undefined); // reconnects by itself; commands wait for it
  context = {
    env,
    redis,
    results: new Queue(QUEUE_NAMES.results, {
      connection: options(),
      prefix: env.IWAE_SWEEP_PREFIX,
    }),
  };
  return context;
}

/** The checkpoint store of one run, fenced by its job lock (unfenced only without a token). */
function storeFor(ctx: SandboxContext, trialId: string, token: string | undefined): CheckpointStore {
  const { env, redis } = ctx;
  const fence = token ? new RunFence(redis, env.IWAE_SWEEP_PREFIX, trialId, token) : undefined;
  if (env.IWAE_SWEEP_CHECKPOINTS === 'redis') return new RedisCheckpointStore(redis, env.IWAE_SWEEP_PREFIX, fence);
  const dir = new DirectoryCheckpointStore(env.IWAE_SWEEP_CHECKPOINTS);
  return fence ? new FencedDirectoryStore(dir, fence) : dir;
}

/** Why a running trial is being stopped: by a cancelled sweep, or by its worker shutting down. */
export const STOP_REASONS = { cancelled: 'cancelled', shutdown: 'shutdown' } as const;

/** Sends an event of this attempt of a trial to the collector. */
function emitter(origin: Omit<TrialEventRecord, 'event'>): (event: TrialEvent) => Promise<void> {
  return (event) => emitTrialEvent(sandbox().results, { ...origin, event });
}

function isCancelled(sweepId: string): Promise<boolean> {
  const { redis, env } = sandbox();
  return isSweepCancelled(redis, env.IWAE_SWEEP_PREFIX, sweepId);
}

/**
 * The job of one attempt as a trial process holds it: its worker owns the BullMQ job (its lock),
 * and does what needs it on the process's behalf.
 */
export interface TrialJobHandle {
  id?: string | undefined;
  name: string;
  data: unknown;
  attemptsMade: number;
  updateProgress(value: TrialProgress): Promise<void>;
  /** Hands the job back to the queue (not a failed attempt); the processor then throws WaitingError. */
  moveToWait(token: string): Promise<void>;
}

/** What a processor module exports by default: runs one attempt of a job. */
export type TrialProcessor = (job: TrialJobHandle, token?: string, signal?: AbortSignal) => Promise<unknown>;

/** Runs one trial: what the processor does between "started" and "result". */
export type TrialRunner = (job: TrialJob, opts: ExecuteOptions) => Promise<TrialResult>;

export function createTrialProcessor(runTrial: TrialRunner) {
  // An orphan (its worker was killed) must not keep training: another worker gets the job.
  exitWhenOrphaned();
  return async function processTrial(
    job: TrialJobHandle,
    token?: string,
    signal?: AbortSignal,
  ): Promise<{ cancelled: true } | { stopped: true } | TrialResult> {
    const ctx = sandbox();
    const { env } = ctx;
    let payload: TrialJob;
    try {
      payload = readTrialJob(job);
    } catch (err) {
      // A malformed job can never succeed: fail it now, without retries.
      throw new UnrecoverableError((err as Error).message);
    }
    const { trialId } = payload;
    // First, before any Redis call: the worker's watchdog learns that this attempt has started
    // (the silence until now was its process starting). (This is a message to the worker.)
    const report = (progress: TrialProgress = {}) => void job.updateProgress(progress);
    report();
    // Progress inside an epoch or an evaluation, a few times per stall timeout (each is a Redis write).
    let lastReport = Date.now();
    const reportEvery = (progress: TrialProgress) => {
      const now = Date.now();
      if (now - lastReport < env.IWAE_SWEEP_PROGRESS_MS) return;
      lastReport = now;
      report(progress);
    };
    const emit = emitter({
      sweepId: payload.sweepId,
      workerId: env.IWAE_SWEEP_WORKER_ID,
      attempt: job.attemptsMade + 1,
      ...(token ? { run: token } : {}),
    });
    const store = storeFor(ctx, payload.trialId, token);
    // Round trips to Redis are the per-trial overhead of the orchestration: independent ones go
    // in parallel, and phase events are not waited for (they are before the result).
    const [cancelled] = await Promise.all([
      isCancelled(payload.sweepId),
      emit({
        type: 'started',
        trialId,
        host: env.IWAE_SWEEP_HOST || hostname(),
        ...(env.IWAE_SWEEP_BACKEND ? { backend: env.IWAE_SWEEP_BACKEND } : {}),
        ...(env.IWAE_SWEEP_GIT_SHA ? { gitSha: env.IWAE_SWEEP_GIT_SHA } : {}),
      }),
    ]);
    if (cancelled) {
      await emit({ type: 'cancelled', trialId, completedEpochs: 0, reason: 'sweep cancelled before the trial started' });
      return { cancelled: true };
    }
    const pending: Promise<unknown>[] = [];
    const controller = new AbortController();
    const rungs = new RungWaits(sandbox().redis, env.IWAE_SWEEP_PREFIX, trialId, env.IWAE_SWEEP_RUNG_WAIT_MS);
    const onAbort = () => controller.abort(signal?.reason ?? STOP_REASONS.shutdown);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await runTrial(payload, {
        store,
        backend: env.IWAE_SWEEP_BACKEND,
        gpu: env.IWAE_SWEEP_GPU,
        signal: controller.signal,
        sink: {
          phase: (phase, detail) => {
            // Its backend and data are ready, or its evaluation starts: progress for the watchdog.
            report({});
            // "loading" is implied by the start event, "training" by the first epoch and "done" by
            // the result: each event is a job, and jobs are the orchestration's cost per trial.
            if (phase === 'evaluating') pending.push(emit({ type: 'phase', trialId, phase, ...detail }));
          },
          epoch: async (metrics, totalEpochs) => {
            if (orphaned()) process.exit(0);
            report({ epoch: metrics.epoch, totalEpochs, trainBound: metrics.trainBound });
            const [, stop, lateStop] = await Promise.all([
              emit({ type: 'epoch', trialId, metrics, totalEpochs }),
              // The control message may have been missed (worker restarted): the flag is the truth.
              isCancelled(payload.sweepId),
              rungs.lateStop(),
            ]);
            if (stop && !controller.signal.aborted) controller.abort(STOP_REASONS.cancelled);
            if (lateStop && !controller.signal.aborted) controller.abort(STOPPED_BY_RULE);
          },
          // Waiting for the rule's decision (up to IWAE_SWEEP_RUNG_WAIT_MS) is not a stall either.
          rung: (epoch) => rungs.wait(epoch, () => reportEvery({ epoch })),
          // A long epoch or evaluation is progress too.
          trainProgress: () => reportEvery({}),
          evalProgress: (done, total) => reportEvery({ evaluated: { done, total } }),
        },
      });
      await Promise.all([...pending, emit({ type: 'result', trialId, result })]);
      // The result is safe in Redis: the checkpoint is no longer needed.
      await store.remove(payload.trialId);
      return result;
    } catch (err) {
      if (err instanceof LostTrialError) {
        // A zombie: stop without another write. BullMQ's own completion with our stale token
        // fails ("Missing lock"), so the job stays with the run that owns it now.
        process.stderr.write(`${err.message}\n`);
        throw err;
      }
      if (err instanceof TrialStoppedError) {
        // Not a failure: the checkpoint stays in the store for a later --resume-stopped.
        await emit({ type: 'stopped', trialId, completedEpochs: err.completedEpochs });
        return { stopped: true };
      }
      if (err instanceof TrainingAbortedError) {
        const reason = String(controller.signal.reason ?? '');
        if (reason === STOP_REASONS.cancelled) {
          await emit({ type: 'cancelled', trialId, completedEpochs: err.completedEpochs, reason: 'sweep cancelled' });
          return { cancelled: true };
        }
        // Shutdown: hand the trial back to the queue (not a failed attempt); any worker resumes it
        // from the checkpoint of its last epoch.
        if (token) await job.moveToWait(token);
        throw new WaitingError();
      }
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  };
}
