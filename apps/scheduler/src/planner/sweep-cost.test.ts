import { estimateTrialFlops, expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { describe, expect, it } from 'vitest';
import { makespanSeconds, sweepCost, trialCost } from './sweep-cost.ts';
import { estimateSweep } from './sweep-estimate.ts';

const plan = (extra: object) =>
  expandSweep(
    sweepSpecFromObject({
      name: 'cost',
      base: { objective: 'iwae', k: 5, trainSize: 100, testSize: 10, evalK: 10, batchSize: 10, epochs: 9 },
      ...extra,
    }),
  );

describe('the cost split', () => {
  it('adds up to the cost model: epochs × per-epoch training + one evaluation', () => {
    for (const t of plan({ grid: { k: [1, 50], latent: [2, 20] } }).trials) {
      const c = trialCost(t.id, t.config);
      expect(c.epochs).toBe(9);
      expect((c.trainFlopsPerEpoch + c.validationFlopsPerEpoch) * 9 + c.evalFlops).toBeCloseTo(estimateTrialFlops(t.config), 0);
      expect(c.validationFlopsPerEpoch).toBe(0);
      expect(c.evalFlops).toBeGreaterThan(0);
    }
  });
});

describe('validation cost', () => {
  it("pays L_validationK on the held-out images every epoch, at the test evaluation's cost per sample", () => {
    const base = { objective: 'iwae', k: 5, trainSize: 100, testSize: 10, evalK: 10, batchSize: 10, epochs: 9 };
    const without = plan({}).trials[0];
    const held = expandSweep(sweepSpecFromObject({ name: 'cost', base: { ...base, validationSize: 1000, validationK: 100 } }))
      .trials[0];
    if (!without || !held) throw new Error('no trials planned');
    const a = trialCost(without.id, without.config);
    const b = trialCost(held.id, held.config);
    // Both are forward passes of the same model: per sample, validation costs what evaluation does.
    const forwardPerSample = a.evalFlops / (10 * 10);
    expect(b.evalFlops).toBe(a.evalFlops);
    expect(b.trainFlopsPerEpoch).toBe(a.trainFlopsPerEpoch);
    expect(b.validationFlopsPerEpoch).toBeCloseTo(1000 * 100 * forwardPerSample, 0);
    expect(estimateTrialFlops(held.config) - estimateTrialFlops(without.config)).toBeCloseTo(
      9 * 1000 * 100 * forwardPerSample,
      0,
    );
    // A trial stopped at epoch 1 pays one epoch of validation, not nine; it is a forward pass.
    const stopped = sweepCost([held, { ...held, id: 'other' }], { method: 'asha', minEpochs: 1, reductionFactor: 3 });
    expect(stopped.best?.trainFlops[1]).toBeCloseTo(b.trainFlopsPerEpoch, 0);
    expect(stopped.best?.forwardFlops[1]).toBeCloseTo(b.validationFlopsPerEpoch, 0);
    expect(stopped.best?.forwardFlops[0]).toBeCloseTo(9 * b.validationFlopsPerEpoch + b.evalFlops, 0);
  });

  it('turns training and forward-only flops into seconds each at its own calibrated speed', () => {
    const held = expandSweep(
      sweepSpecFromObject({
        name: 'cost',
        base: {
          objective: 'iwae',
          k: 5,
          trainSize: 100,
          testSize: 10,
          evalK: 10,
          batchSize: 10,
          epochs: 9,
          validationSize: 1000,
        },
      }),
    ).trials;
    const c = trialCost(held[0]?.id ?? '', held[0]?.config as (typeof held)[number]['config']);
    const calib = {
      backend: 'wasm',
      flopsPerSecond: 1e9,
      forwardFlopsPerSecond: 4e9,
      startupSeconds: 2,
      measuredAt: 0,
      host: 'h',
      cpu: 'c',
    };
    const e = estimateSweep(held, calib, 1);
    const expected = (9 * c.trainFlopsPerEpoch) / 1e9 + (9 * c.validationFlopsPerEpoch + c.evalFlops) / 4e9 + 2;
    expect(e.full.wallSeconds).toBeCloseTo(expected, 9);
    expect(e.full.coreHours).toBeCloseTo(expected / 3600, 12);
    // A calibration cached before forward passes were timed counts them at the training speed.
    const { forwardFlopsPerSecond: _, ...old } = calib;
    expect(estimateSweep(held, old, 1).full.wallSeconds).toBeCloseTo(estimateTrialFlops(held[0]?.config as never) / 1e9 + 2, 9);
  });
});

describe('sweep cost with stopping', () => {
  const nine = plan({ random: { samples: 9, seed: 1, params: { learningRate: { logUniform: [0.0001, 0.01] } } } });
  const perEpoch = nine.trials.map((t) => t.config.trainSize);

  it('without a rule is every trial to its end', () => {
    const c = sweepCost(nine.trials);
    expect(c.full.epochExamples).toBe(9 * 9 * 100);
    expect(c.best).toBeUndefined();
  });

  it('ASHA best case: one trial survives every rung, the others stop at the first', () => {
    const c = sweepCost(nine.trials, { method: 'asha', minEpochs: 1, reductionFactor: 3 });
    expect(c.best?.epochExamples).toBe((9 + 8 * 1) * 100);
    expect(c.full.epochExamples).toBe(81 * 100);
    // Expected (random order): 9 arrivals at rung 1 (epoch 1) keep Σ⌈j/3⌉/j / 9 of them on average.
    const f1 = [1, 2, 3, 4, 5, 6, 7, 8, 9].reduce((a, j) => a + Math.ceil(j / 3) / j, 0) / 9;
    const reach2 = f1;
    const n2 = Math.round(9 * f1);
    const f2 = Array.from({ length: n2 }, (_, i) => i + 1).reduce((a, j) => a + Math.ceil(j / 3) / j, 0) / n2;
    const epochs = 1 + reach2 * (3 - 1) + reach2 * f2 * (9 - 3);
    expect(c.expected?.epochExamples).toBeCloseTo(9 * epochs * (perEpoch[0] ?? 0), 6);
    expect(c.expected?.epochExamples).toBeLessThan(c.full.epochExamples);
    expect(c.expected?.epochExamples).toBeGreaterThan(c.best?.epochExamples ?? 0);
  });

  it('median best case: the first minTrials run to the end, every later one stops at minEpochs', () => {
    const c = sweepCost(nine.trials, { method: 'median', minEpochs: 2, minTrials: 3 });
    expect(c.best?.epochExamples).toBe((3 * 9 + 6 * 2) * 100);
  });
});

describe('makespan', () => {
  it('is longest-first list scheduling', () => {
    // LPT on 2 workers: 3|3, then 2 → 5|3, 2 → 5|5, 2 → 7|5 (the optimum is 6: LPT is within 4/3).
    expect(makespanSeconds([2, 3, 2, 3, 2], 2)).toBe(7);
    expect(makespanSeconds([5, 1, 1, 1], 2)).toBe(5);
    expect(makespanSeconds([4, 4, 4], 5)).toBe(4);
  });
});
