import { expandSweep, loadSweepSpec, normalizeTrialConfig } from '@iwae-sweep/core';
import { describe, expect, it } from 'vitest';
import { paperSetupCheck } from './paper-setup.ts';

const example = (name: string) => new URL(`../../../../examples/${name}`, import.meta.url).pathname;
const paperBase = {
  objective: 'iwae',
  k: 5,
  schedule: 'paper',
  batchSize: 20,
  learningRate: 1e-3,
  trainSize: 60_000,
  testSize: 10_000,
  evalK: 5000,
};

describe('paper comparability', () => {
  it('accepts every trial of examples/paper-table1.yaml', () => {
    const plan = expandSweep(loadSweepSpec(example('paper-table1.yaml')));
    // 12 cells of Table 1; with K = 1 the IWAE is the VAE (one trial each for 1 and 2 layers).
    expect(plan.trials).toHaveLength(10);
    for (const t of plan.trials) expect(paperSetupCheck(t.config)).toEqual({ comparable: true, differences: [] });
  });

  it('names what differs in the quick example', () => {
    const [t] = expandSweep(loadSweepSpec(example('quick.yaml'))).trials;
    const check = paperSetupCheck(t?.config ?? normalizeTrialConfig({}));
    expect(check.comparable).toBe(false);
    expect(check.differences).toEqual([
      'schedule: 5 epochs at a constant rate (paper: 8 stages, 3,280 passes)',
      'batchSize 100 (paper: 20)',
      'testSize 500 (paper: 10000)',
      'evalK 1000 (paper: 5000)',
      'trainSize 2000 (paper: 60000, or 59600 + 400 held out)',
    ]);
  });

  it('takes the authors’ code as well as the paper’s text, and nothing in between', () => {
    const ok = (extra: Record<string, unknown>) => paperSetupCheck(normalizeTrialConfig({ ...paperBase, ...extra }));
    expect(ok({}).comparable).toBe(true);
    expect(ok({ beta1: 0.99, lossReduction: 'sum', trainSize: 59_600, validationSize: 400 }).comparable).toBe(true);
    expect(ok({ lossReduction: 'sum' }).differences).toEqual([
      "Adam beta1 0.9 with lossReduction sum (paper: 0.9 with mean, or the authors' code: 0.99 with sum)",
    ]);
    expect(ok({ schedule: { type: 'paper', stages: 3 } }).differences).toEqual([
      'schedule: paper schedule with 3 stages (paper: 8 stages, 3,280 passes)',
    ]);
    expect(ok({ trainSize: 50_000, validationSize: 10_000 }).differences).toHaveLength(1);
    expect(ok({ layers: 2, hidden2: 50 }).differences).toEqual(['hidden2 50 (paper: 100)']);
    expect(ok({ latent: 20, k: 10 }).differences).toEqual(['latent 20 (paper: 50)', 'k 10 (paper: 1, 5 or 50)']);
  });
});
