import { expandSweep, type PlannedTrial, sweepSpecFromObject } from '@iwae-sweep/core';
import { fixtureResult, writeSweep } from '@iwae-sweep/db/test-fixtures';

/**
 * A finished learning-rate search written straight to a results DB (real SQLite file): 2 rates ×
 * 2 objectives × 2 seeds, NLL = 90 (rate 0.001) or 110 (0.0003), +4 for the VAE, +2 per seed.
 */
export const lrPlan = expandSweep(
  sweepSpecFromObject({
    name: 'lrs',
    base: { trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10, k: 5, evalKs: [1, 5] },
    grid: { learningRate: [0.001, 0.0003], objective: ['vae', 'iwae'] },
    seeds: 2,
  }),
);

export const lrNll = (t: PlannedTrial) =>
  (t.config.learningRate === 0.001 ? 90 : 110) + (t.config.objective === 'iwae' ? 0 : 4) + 2 * t.config.seed;

/** Writes the finished search to `file`; each epoch's train bound climbs by one nat. */
export function writeLrSweep(file: string): void {
  writeSweep(file, lrPlan, {
    resultOf: (t) =>
      fixtureResult(t, lrNll(t), {
        epochs: [1, 2].map((epoch) => ({
          epoch,
          trainBound: -lrNll(t) - 5 + epoch,
          seconds: 1,
          examplesPerSecond: 100,
          learningRate: t.config.learningRate,
        })),
      }),
  });
}
