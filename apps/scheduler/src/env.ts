import { ValidationError, zodProblems } from '@iwae-sweep/core';
import { redactEnvValue } from '@iwae-sweep/queue';
import { z } from 'zod';

/** Environment the CLI reads, validated once. Flags override these. */
const envSchema = z.object({
  IWAE_SWEEP_DB: z.string().min(1).default('iwae.db'),
  IWAE_SWEEP_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { message: 'a redis:// or rediss:// URL' })
    .optional(),
  // Checked by `serve` with the same rule as --token (dashboard/token-rule.ts), which never
  // repeats a secret in its error.
  IWAE_SWEEP_TOKEN: z.string().optional(),
  IWAE_SWEEP_REDIS_CA: z.string().min(1).optional(),
  /** Level of the services' logs (worker, serve). */
  IWAE_SWEEP_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});
export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const source = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('IWAE_SWEEP_')));
  const parsed = envSchema.safeParse(source);
  if (!parsed.success)
    throw new ValidationError(
      'environment',
      zodProblems(parsed.error, source).map((p) => ({ ...p, value: redactEnvValue(p.field, p.value) })),
    );
  cached = parsed.data;
  return cached;
}
