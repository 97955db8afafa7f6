import { QUEUE_NAMES } from './job-catalog.ts';

/**
 * Every Redis key of a deployment outside BullMQ's own, and the BullMQ keys we read directly,
 * written once. Everything lives under the deployment's prefix, so `purge`/obliterate and the
 * tests' cleanup find it all.
 */
export function redisKeys(prefix: string) {
  return {
    /** Pub/sub channel of cancel/resume messages. */
    controlChannel: `${prefix}:control`,
    /** Set of cancelled sweep ids (a worker that missed the message still sees the flag). */
    cancelledSweeps: `${prefix}:control:cancelled`,
    /** A trial's checkpoint (bytes) and its fencing record (epoch and run that wrote it). */
    checkpoint: (trialId: string) => `${prefix}:ckpt:${trialId}`,
    checkpointMeta: (trialId: string) => `${prefix}:ckpt:${trialId}:meta`,
    /**
     * BullMQ's lock of a trial job: holds the token of the run that owns the job right now. A run
     * whose token is no longer there has lost the trial to another worker (a zombie).
     */
    trialLock: (trialId: string) => `${prefix}:${QUEUE_NAMES.trials}:${trialId}:lock`,
    /** Hash: worker id → its description and last heartbeat (JSON). */
    workers: `${prefix}:workers`,
    /** Expires unless the worker keeps beating: gone means the worker vanished. */
    workerAlive: (workerId: string) => `${prefix}:worker-alive:${workerId}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
