import { ValidationError, zodProblems } from '@iwae-sweep/core';
import { DEFAULT_PREFIX, REDIS_URL_SCHEME, redactEnvValue } from '@iwae-sweep/queue';
import { z } from 'zod';

/**
 * The variables both command lines read (the scheduler's and the worker's): where Redis is and
 * which namespace in it, and the services' log level. Each app extends this with its own
 * (apps/scheduler/src/env.ts; apps/worker/src/worker-env.ts, also the trial process's).
 *
 * Read raw on purpose, nowhere else: IWAE_SWEEP_PARENT_PID (orphan-guard.ts, at load, in every
 * trial process), IWAE_TEST_PROCESS_TAG (tests only, never read by the code: it marks the
 * processes a test started), the benchmarks' own knobs (bench/), and variables that are not
 * ours (XDG_CACHE_HOME, TF_FORCE_GPU_ALLOW_GROWTH).
 */
export const sharedEnvSchema = z.object({
  IWAE_SWEEP_REDIS_URL: z
    .string()
    .regex(REDIS_URL_SCHEME, { message: 'a redis://, rediss:// or redis+sentinel:// URL' })
    .optional(),
  IWAE_SWEEP_PREFIX: z.string().min(1).default(DEFAULT_PREFIX),
  IWAE_SWEEP_REDIS_CA: z.string().min(1).optional(),
  /** Level of the services' logs (worker, serve). */
  IWAE_SWEEP_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});
export type SharedEnv = z.infer<typeof sharedEnvSchema>;

/**
 * The IWAE_SWEEP_* variables of `source`, parsed by `schema`: a bad one is a ValidationError
 * naming it (secrets redacted). `skipEmpty` treats a variable set to '' as unset.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  label: string,
  source: NodeJS.ProcessEnv = process.env,
  opts: { skipEmpty?: boolean } = {},
): z.output<S> {
  const picked = Object.fromEntries(
    Object.entries(source).filter(([k, v]) => k.startsWith('IWAE_SWEEP_') && !(opts.skipEmpty && v === '')),
  );
  const parsed = schema.safeParse(picked);
  if (!parsed.success)
    throw new ValidationError(
      label,
      zodProblems(parsed.error, picked).map((p) => ({ ...p, value: redactEnvValue(p.field, p.value) })),
    );
  return parsed.data;
}

let cached: SharedEnv | undefined;

/** The shared variables, validated once (the Redis flags' defaults). */
export function sharedEnv(): SharedEnv {
  cached ??= parseEnv(sharedEnvSchema, 'environment');
  return cached;
}
