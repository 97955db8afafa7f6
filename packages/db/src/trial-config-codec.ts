import { type TrialConfig, trialConfigSchema } from '@iwae-sweep/core';
import { DbError } from './errors.ts';

/**
 * The one decoder of stored trial configs. Going through the schema fills defaults of fields
 * added after the row was written, so older DBs read as current configs.
 */
export function decodeTrialConfig(json: string, trialId: string): TrialConfig {
  try {
    return trialConfigSchema.parse(JSON.parse(json));
  } catch (err) {
    throw new DbError(`decoding the stored config of trial ${trialId}`, '(trial_configs.config_json)', [], err);
  }
}
