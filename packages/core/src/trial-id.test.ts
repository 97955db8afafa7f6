import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { expandSweep } from './expand-sweep.ts';
import { sweepSpecFromObject } from './sweep-spec.ts';
import { normalizeTrialConfig } from './trial-config.ts';
import { configGroupId, ID_NEUTRAL_DEFAULTS, trialId } from './trial-id.ts';

// Ids issued before the validation and optimiser fields existed (computed on main at 66a1a2e).
// A trial stored then must keep its id, or re-running its sweep would train it again.
const ISSUED = [
  { sweep: 'quick', input: { objective: 'iwae', k: 5 }, id: 't51278827caf3ad66d067' },
  {
    sweep: 'paper',
    input: { objective: 'vae', k: 50, layers: 2, schedule: 'paper', evalKs: [1, 5000] },
    id: 'tc67c0a7f80b9d1431987',
  },
  {
    sweep: 'quick',
    input: {
      objective: 'iwae',
      k: 50,
      trainSize: 2000,
      testSize: 500,
      batchSize: 100,
      epochs: 5,
      evalK: 1000,
      evalKs: [1, 5, 50, 500],
      seed: 1,
    },
    id: 'tcb1d97f3ada6d642ce76',
  },
];

describe('trial ids', () => {
  it('keep the ids issued before later fields existed, for configs at those fields’ defaults', () => {
    for (const t of ISSUED) expect(trialId(t.sweep, normalizeTrialConfig(t.input))).toBe(t.id);
    // …also when the defaults are spelt out.
    const spelt = { ...ISSUED[0]?.input, ...ID_NEUTRAL_DEFAULTS };
    expect(trialId('quick', normalizeTrialConfig(spelt))).toBe(ISSUED[0]?.id);
  });

  it('change when a later field leaves its default', () => {
    const base = ISSUED[2]?.input ?? {};
    const ids = new Set(
      [
        {},
        { beta1: 0.99 },
        { beta2: 0.99 },
        { epsilon: 1e-8 },
        { lossReduction: 'sum' },
        { validationSize: 400 },
        { validationSize: 400, validationK: 1000 },
      ].map((extra) => trialId('quick', normalizeTrialConfig({ ...base, ...extra }))),
    );
    expect(ids.size).toBe(7);
    expect(ids.has(ISSUED[2]?.id as string)).toBe(true);
  });

  it('ignore validationK when nothing is held out', () => {
    const base = ISSUED[0]?.input ?? {};
    expect(trialId('quick', normalizeTrialConfig({ ...base, validationK: 1000 }))).toBe(ISSUED[0]?.id);
  });

  it('refuse a validation set that would overlap the training images', () => {
    expect(() => normalizeTrialConfig({ objective: 'iwae', k: 5, validationSize: 400 })).toThrow(ValidationError);
    try {
      normalizeTrialConfig({ objective: 'iwae', k: 5, trainSize: 59_700, validationSize: 400 });
      expect.unreachable();
    } catch (err) {
      expect((err as ValidationError).problems.map((p) => p.field)).toEqual(['validationSize']);
      expect(String((err as Error).message)).toMatch(/at most 300/);
    }
  });
});

describe('trial ids and config groups', () => {
  it('IWAE with K=1 is the VAE: one config, one trial id, one trial in a sweep', () => {
    const iwae = normalizeTrialConfig({ objective: 'iwae', k: 1 });
    const vae = normalizeTrialConfig({ objective: 'vae', k: 1 });
    expect(iwae).toEqual(vae);
    expect(trialId('s', iwae)).toBe(trialId('s', vae));
    expect(normalizeTrialConfig({ objective: 'iwae', k: 2 }).objective).toBe('iwae');
    const plan = expandSweep(
      sweepSpecFromObject({ name: 'q', base: {}, grid: { k: [1, 5], objective: ['vae', 'iwae'] }, seeds: 1 }),
    );
    expect(plan.trials.map((t) => `${t.config.objective}${t.config.k}`).sort()).toEqual(['iwae5', 'vae1', 'vae5']);
  });

  it('a group is the config but the seed: seeds share it, any other field splits it', () => {
    const base = normalizeTrialConfig({ objective: 'iwae', k: 5, seed: 0 });
    expect(configGroupId(normalizeTrialConfig({ objective: 'iwae', k: 5, seed: 7 }))).toBe(configGroupId(base));
    expect(configGroupId(normalizeTrialConfig({ objective: 'iwae', k: 5, learningRate: 3e-4 }))).not.toBe(configGroupId(base));
    expect(configGroupId(normalizeTrialConfig({ objective: 'iwae', k: 5, hidden: 100 }))).not.toBe(configGroupId(base));
  });
});
