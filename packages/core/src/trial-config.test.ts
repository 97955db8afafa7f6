import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { estimateTrialFlops, estimatorLabel, normalizeTrialConfig, samplesPerPoint } from './trial-config.ts';
import { trialId } from './trial-id.ts';

function problemsOf(input: unknown): { field: string; expected: string }[] {
  try {
    normalizeTrialConfig(input);
  } catch (err) {
    if (err instanceof ValidationError) return err.problems.map((p) => ({ field: p.field, expected: p.expected }));
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('trial ids of the estimator fields', () => {
  it('keeps the ids of vae/iwae configs written before objectives had options', () => {
    // Ids computed before m, beta and gradSnr existed (commit 66a1a2e): they must never change,
    // or re-running an existing sweep would run every trial again.
    expect(trialId('quick', normalizeTrialConfig({ objective: 'iwae', k: 50 }))).toBe('t1554a58972d8c8ef5366');
    const vae = { objective: 'vae', k: 5, layers: 2, epochs: 3, trainSize: 2000, evalKs: [50, 1] };
    expect(trialId('quick', normalizeTrialConfig(vae))).toBe('t225e915a88f9d727397d');
    // m and beta mean nothing to these objectives: they are dropped, not hashed.
    expect(trialId('quick', normalizeTrialConfig({ ...vae, m: 5, beta: 0.5 }))).toBe('t225e915a88f9d727397d');
  });

  it('tells trials apart by the options their objective uses', () => {
    const id = (c: object) => trialId('s', normalizeTrialConfig({ k: 10, ...c }));
    expect(id({ objective: 'miwae', m: 5 })).not.toBe(id({ objective: 'miwae', m: 2 }));
    expect(id({ objective: 'ciwae', beta: 0.5 })).not.toBe(id({ objective: 'ciwae', beta: 0.25 }));
    expect(id({ objective: 'iwae-dreg' })).not.toBe(id({ objective: 'iwae' }));
    expect(id({ objective: 'iwae', gradSnr: 100 })).not.toBe(id({ objective: 'iwae' }));
    expect(id({ objective: 'piwae', m: 5, beta: 0.3 })).toBe(id({ objective: 'piwae', m: 5 }));
    expect(id({ objective: 'iwae', gradSnrEvery: undefined })).toBe(id({ objective: 'iwae' }));
  });
});

describe('validation of the estimator fields', () => {
  it('names the field and what is allowed', () => {
    expect(problemsOf({ objective: 'miwae', k: 10 })).toEqual([
      { field: 'm', expected: 'an integer m ≥ 1 (groups of K samples) for objective miwae' },
    ]);
    expect(problemsOf({ objective: 'ciwae', k: 10 })).toEqual([
      { field: 'beta', expected: 'a number beta in [0, 1] (weight of the ELBO) for objective ciwae' },
    ]);
    expect(problemsOf({ objective: 'ciwae', k: 10, beta: 1.5 })).toEqual([{ field: 'beta', expected: 'a number ≤ 1' }]);
    expect(problemsOf({ objective: 'piwae', k: 10, m: 0 })).toEqual([{ field: 'm', expected: 'a number ≥ 1' }]);
    expect(problemsOf({ objective: 'iwae', k: 10, gradSnr: 1 })).toEqual([{ field: 'gradSnr', expected: 'a number ≥ 2' }]);
    expect(problemsOf({ objective: 'iwae', k: 10, gradSnrEvery: 2 })[0]?.field).toBe('gradSnrEvery');
    expect(problemsOf({ objective: 'dreg', k: 10 })[0]).toEqual({
      field: 'objective',
      expected: 'one of "vae", "iwae", "iwae-stl", "iwae-dreg", "miwae", "ciwae", "piwae"',
    });
  });
});

describe('cost and labels', () => {
  it('counts m·K samples per data point in the cost model', () => {
    const iwae = normalizeTrialConfig({ objective: 'iwae', k: 50, evalK: 1, testSize: 2 });
    const miwae = normalizeTrialConfig({ objective: 'miwae', k: 10, m: 5, evalK: 1, testSize: 2 });
    expect(samplesPerPoint(miwae)).toBe(50);
    expect(estimateTrialFlops(miwae) / estimateTrialFlops(iwae)).toBeCloseTo(1, 6);
    expect(estimatorLabel(miwae)).toBe('miwae m=5');
    expect(estimatorLabel(normalizeTrialConfig({ objective: 'ciwae', k: 5, beta: 0.5 }))).toBe('ciwae β=0.5');
    expect(estimatorLabel(iwae)).toBe('iwae');
  });
});

describe('K = 1', () => {
  it('names iwae the vae, but keeps the estimators whose gradients differ at K = 1', () => {
    expect(normalizeTrialConfig({ objective: 'iwae', k: 1 }).objective).toBe('vae');
    for (const objective of ['iwae-dreg', 'iwae-stl'] as const) {
      expect(normalizeTrialConfig({ objective, k: 1 }).objective).toBe(objective);
    }
    expect(normalizeTrialConfig({ objective: 'piwae', k: 1, m: 5 })).toMatchObject({ objective: 'piwae', m: 5 });
  });
});
