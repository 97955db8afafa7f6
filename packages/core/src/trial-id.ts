import { createHash } from 'node:crypto';
import { stableStringify } from './stable-json.ts';
import type { TrialConfig } from './trial-config.ts';

/**
 * A trial's id: a content hash of its sweep and normalised config. Re-submitting a sweep yields
 * the same ids, so nothing runs twice. The `t` prefix keeps ids valid as BullMQ job ids (never
 * all digits, no ':').
 */
export function trialId(sweepId: string, config: TrialConfig): string {
  const hash = createHash('sha256').update(stableStringify({ sweepId, config })).digest('hex');
  return `t${hash.slice(0, 20)}`;
}

const SWEEP_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A sweep id is its name, restricted to characters safe in job ids, file names and URLs. */
export function isSweepId(value: string): boolean {
  return SWEEP_ID.test(value);
}
export const SWEEP_ID_EXPECTED =
  'a name of 1-64 characters: lowercase letters, digits, "-" or "_", starting with a letter or digit';
