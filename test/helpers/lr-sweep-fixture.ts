import { expandSweep, type PlannedTrial, sweepSpecFromObject, type TrialResult } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';

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

function result(t: PlannedTrial): TrialResult {
  const nll = lrNll(t);
  return {
    testNll: nll,
    testBound: -nll,
    evalK: 10,
    testBoundsByK: { '1': -nll - 3, '5': -nll - 1 },
    trainBound: -nll - 2,
    activeUnits: 7,
    activeUnitsPerLayer: [7],
    epochs: [1, 2].map((epoch) => ({
      epoch,
      trainBound: -nll - 5 + epoch,
      seconds: 1,
      examplesPerSecond: 100,
      learningRate: t.config.learningRate,
    })),
    examplesPerSecond: 100,
    trainSeconds: 2,
    evalSeconds: 1,
    backend: 'wasm',
    gradient: 'fast',
    seed: t.config.seed,
    resumedFromEpoch: 0,
    config: t.config,
  };
}

/** Writes the finished search to `file`. */
export function writeLrSweep(file: string): void {
  const db = ResultsDb.open(file);
  try {
    db.saveSweep({ id: lrPlan.sweepId, spec: lrPlan.spec, mode: 'local' });
    db.addTrials(lrPlan.sweepId, lrPlan.trials);
    for (const t of lrPlan.trials) db.recordResult(t.id, result(t));
  } finally {
    db.close();
  }
}
