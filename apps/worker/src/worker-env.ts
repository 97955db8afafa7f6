import { parseEnv, sharedEnvSchema } from '@iwae-sweep/cli';
import { backendNameSchema } from '@iwae-sweep/core';
import { REDIS_URL_SCHEME } from '@iwae-sweep/queue';
import { z } from 'zod';

/**
 * The worker app's environment, in its two processes. The service (`iwae-sweep-worker`) reads
 * what both command lines share (Redis, prefix, log level) and where checkpoints go; flags
 * override these.
 */
const serviceSchema = sharedEnvSchema.extend({
  /** "redis", or a directory every worker can reach (shared filesystem). */
  IWAE_SWEEP_CHECKPOINTS: z.string().min(1).default('.iwae-sweep/checkpoints'),
});
export type WorkerServiceEnv = z.infer<typeof serviceSchema>;

export function workerServiceEnv(source: NodeJS.ProcessEnv = process.env): WorkerServiceEnv {
  return parseEnv(serviceSchema, 'environment', source);
}

/**
 * What a trial process learns from its parent worker, through the environment
 * (BullMQ forks it; there is no other channel at start). Validated once, at start.
 */
const schema = z.object({
  IWAE_SWEEP_REDIS_URL: z.string().regex(REDIS_URL_SCHEME, { message: 'a redis://, rediss:// or redis+sentinel:// URL' }),
  IWAE_SWEEP_PREFIX: z.string().min(1),
  /** CA certificate file for rediss:// with a private CA. */
  IWAE_SWEEP_REDIS_CA: z.string().min(1).optional(),
  /** "redis", or a directory every worker can reach (shared filesystem). */
  IWAE_SWEEP_CHECKPOINTS: z.string().min(1),
  IWAE_SWEEP_WORKER_ID: z.string().min(1),
  IWAE_SWEEP_HOST: z.string().min(1),
  /**
   * The worker's pid. The orphan guard (orphan-guard.ts) reads it raw, at load: it guards the
   * local trial child too, which has none of this environment.
   */
  IWAE_SWEEP_PARENT_PID: z.coerce.number().int().min(1).optional(),
  IWAE_SWEEP_BACKEND: backendNameSchema.optional(),
  IWAE_SWEEP_GPU: z.coerce.number().int().min(0).optional(),
  IWAE_SWEEP_GIT_SHA: z.string().optional(),
  /**
   * How long a trial at a rung waits for the collector's early-stopping decision before training
   * on (a decision that comes later still stops it, at its next epoch).
   */
  IWAE_SWEEP_RUNG_WAIT_MS: z.coerce.number().int().min(0).default(60_000),
  /**
   * How long one Redis command of the trial may take before the attempt fails (and is retried);
   * default TRIAL_COMMAND_TIMEOUT_MS.
   */
  IWAE_SWEEP_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(100).optional(),
  /**
   * How often the trial reports progress inside an epoch or an evaluation: a few
   * times per stall timeout of its worker's watchdog (progressEveryMs), at most every 5 s.
   */
  IWAE_SWEEP_PROGRESS_MS: z.coerce.number().int().min(10).default(5000),
});
export type WorkerEnv = z.infer<typeof schema>;

export function workerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return parseEnv(schema, 'worker environment', source, { skipEmpty: true });
}
