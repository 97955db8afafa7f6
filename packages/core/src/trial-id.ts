import { createHash } from 'node:crypto';
import { stableStringify } from './stable-json.ts';
import type { TrialConfig } from './trial-config.ts';

/**
 * Fields added after trial ids were first issued, each with the value that leaves an id as it
 * was: a config holding that value hashes as if the field did not exist, so trials (and their
 * checkpoints) stored before the field existed keep their ids. Every new defaulted trial field
 * belongs here, with its default.
 */
export const ID_NEUTRAL_DEFAULTS: { readonly [F in keyof TrialConfig]?: TrialConfig[F] } = {
  validationSize: 0,
  validationK: 100,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-4,
  lossReduction: 'mean',
};

/** The part of a normalised config that identifies it: fields at an id-neutral default left out. */
export function identityForm(config: TrialConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(config)) {
    const neutral = ID_NEUTRAL_DEFAULTS[field as keyof TrialConfig];
    if (neutral !== undefined && stableStringify(neutral) === stableStringify(value)) continue;
    out[field] = value;
  }
  return out;
}

/**
 * A trial's id: a content hash of its sweep and normalised config. Re-submitting a sweep yields
 * the same ids, so nothing runs twice. The `t` prefix keeps ids valid as BullMQ job ids (never
 * all digits, no ':').
 */
export function trialId(sweepId: string, config: TrialConfig): string {
  const hash = createHash('sha256')
    .update(stableStringify({ sweepId, config: identityForm(config) }))
    .digest('hex');
  return `t${hash.slice(0, 20)}`;
}

/**
 * A config group's id: a content hash of the normalised config without its seed. Trials of one
 * group differ only by seed, so they are what results pool (mean ± sd over seeds); it does not
 * depend on the sweep, so identical setups compare across sweeps.
 */
export function configGroupId(config: TrialConfig): string {
  // The identity form, like trial ids: a field added later at its neutral default splits no group.
  const { seed: _seed, ...rest } = identityForm(config);
  const hash = createHash('sha256').update(stableStringify(rest)).digest('hex');
  return `g${hash.slice(0, 16)}`;
}

const SWEEP_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A sweep id is its name, restricted to characters safe in job ids, file names and URLs. */
export function isSweepId(value: string): boolean {
  return SWEEP_ID.test(value);
}
export const SWEEP_ID_EXPECTED =
  'a name of 1-64 characters: lowercase letters, digits, "-" or "_", starting with a letter or digit';
