/**
 * The sandboxed BullMQ processor: BullMQ forks this file in a child process per concurrent
 * trial, so training (CPU-bound for minutes) never blocks the worker's event loop, which must
 * keep renewing job locks. Per-epoch metrics and the result leave through the results queue as
 * they happen; checkpoints go to the shared store every epoch.
 */
import { hostname } from 'node:os';
import type { TrialJob, TrialResult } from '@iwae-sweep/core';
import { type CheckpointStore, DirectoryCheckpointStore, TrainingAbortedError } from '@iwae-sweep/iwae';
import { addJob, connectionOptions, type JobName, type JobPayload, QUEUE_NAMES, readTrialJob } from '@iwae-sweep/queue';
import { Queue, type SandboxedJob, UnrecoverableError, WaitingError } from 'bullmq';
import { Redis } from 'ioredis';
import { executeTrial } from './execute-trial.ts';
import { RedisCheckpointStore } from './redis-checkpoint-store.ts';
import { workerEnv } from './worker-env.ts';

// An orphan (its worker was killed) must not keep training: another worker gets the job.
process.on('disconnect', () => process.exit(0));

const env = workerEnv();
const redis = new Redis(connectionOptions(env.IWAE_SWEEP_REDIS_URL, 'worker'));
redis.on('error', () => undefined); // reconnects by itself; commands wait for it
const results = new Queue(QUEUE_NAMES.results, {
  connection: connectionOptions(env.IWAE_SWEEP_REDIS_URL, 'worker'),
  prefix: env.IWAE_SWEEP_PREFIX,
});
const store: CheckpointStore =
  env.IWAE_SWEEP_CHECKPOINTS === 'redis'
    ? new RedisCheckpointStore(redis, env.IWAE_SWEEP_PREFIX)
    : new DirectoryCheckpointStore(env.IWAE_SWEEP_CHECKPOINTS);

/** Why a running trial is being stopped: by a cancelled sweep, or by its worker shutting down. */
export const STOP_REASONS = { cancelled: 'cancelled', shutdown: 'shutdown' } as const;

function emit<N extends JobName>(name: N, payload: JobPayload<N>): Promise<void> {
  return addJob(results, name, payload);
}

async function isCancelled(sweepId: string): Promise<boolean> {
  return (await redis.sismember(`${env.IWAE_SWEEP_PREFIX}:control:cancelled`, sweepId)) === 1;
}

export default async function processTrial(
  job: SandboxedJob,
  token?: string,
  signal?: AbortSignal,
): Promise<{ cancelled: true } | TrialResult> {
  let payload: TrialJob;
  try {
    payload = readTrialJob(job);
  } catch (err) {
    // A malformed job can never succeed: fail it now, without retries.
    throw new UnrecoverableError((err as Error).message);
  }
  const base = {
    sweepId: payload.sweepId,
    trialId: payload.trialId,
    workerId: env.IWAE_SWEEP_WORKER_ID,
    attempt: job.attemptsMade + 1,
  };
  if (await isCancelled(payload.sweepId)) {
    await emit('trial-cancelled', { ...base, completedEpochs: 0, reason: 'sweep cancelled before the trial started' });
    return { cancelled: true };
  }
  await emit('trial-started', {
    ...base,
    host: env.IWAE_SWEEP_HOST || hostname(),
    ...(env.IWAE_SWEEP_BACKEND ? { backend: env.IWAE_SWEEP_BACKEND } : {}),
    ...(env.IWAE_SWEEP_GIT_SHA ? { gitSha: env.IWAE_SWEEP_GIT_SHA } : {}),
  });
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason ?? STOP_REASONS.shutdown);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await executeTrial(payload, {
      store,
      backend: env.IWAE_SWEEP_BACKEND,
      gpu: env.IWAE_SWEEP_GPU,
      signal: controller.signal,
      sink: {
        phase: (phase, detail) => emit('trial-phase', { ...base, phase, ...detail }),
        epoch: async (metrics, totalEpochs) => {
          await emit('trial-epoch', { ...base, metrics, totalEpochs });
          await job.updateProgress({ epoch: metrics.epoch, totalEpochs, trainBound: metrics.trainBound });
          // The control message may have been missed (worker restarted): the flag is the truth.
          if (!controller.signal.aborted && (await isCancelled(payload.sweepId))) controller.abort(STOP_REASONS.cancelled);
        },
      },
    });
    await emit('trial-result', { ...base, result });
    // The result is safe in Redis: the checkpoint is no longer needed.
    await store.remove(payload.trialId);
    return result;
  } catch (err) {
    if (err instanceof TrainingAbortedError) {
      const reason = String(controller.signal.reason ?? '');
      if (reason === STOP_REASONS.cancelled) {
        await emit('trial-cancelled', { ...base, completedEpochs: err.completedEpochs, reason: 'sweep cancelled' });
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
}
