import { parseEnv, sharedEnvSchema } from '@iwae-sweep/cli';
import { z } from 'zod';

/**
 * Environment the CLI reads, validated once: the variables both command lines share (Redis,
 * prefix, log level) and the scheduler's own. Flags override these.
 */
const envSchema = sharedEnvSchema.extend({
  IWAE_SWEEP_DB: z.string().min(1).default('iwae.db'),
  // Checked by `serve` with the same rule as --token (dashboard/token-rule.ts), which never
  // repeats a secret in its error.
  IWAE_SWEEP_TOKEN: z.string().optional(),
});
export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(envSchema, 'environment');
  return cached;
}
