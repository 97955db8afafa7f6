import {
  type EpochMetrics,
  expandSweep,
  type GradientSnrResult,
  type PlannedTrial,
  sweepSpecFromObject,
  type TrialResult,
} from '@iwae-sweep/core';
import { fixtureResult, writeSweep } from '@iwae-sweep/db/test-fixtures';

/**
 * A finished estimator sweep with known numbers, written straight to a results DB (a real SQLite
 * file): K ∈ {1, 5, 50} × {iwae, iwae-dreg, miwae m=5} × 2 seeds (iwae at K = 1 is stored as
 * vae). Every figure follows a closed form, so tables and fits can be checked against it:
 * - NLL = NLL_BASE[objective] − K/10 + seed: mean NLL_BASE − K/10 + ½, sd √½ over the two seeds;
 * - active units = 10 + 2·seed: mean 11, sd √2;
 * - SNR (mean over parameters) = SNR_LAW[objective][part].a · K^b · (1.1 if seed 1), the median
 *   half of it: ln SNR is exactly linear in ln K with slope b, and the seed factor leaves residuals
 *   ±ln(1.1)/2 at every point, whose slope standard error has the closed form below.
 * Epoch 1 records half the final SNR, epoch 2 the final one (gradSnrEvery: 1).
 */
export const estimatorPlan = expandSweep(
  sweepSpecFromObject({
    name: 'estimators-fixture',
    description: 'estimators <b>fixture</b>',
    base: { trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10, m: 5, gradSnr: 10, gradSnrEvery: 1 },
    grid: { k: [1, 5, 50], objective: ['iwae', 'iwae-dreg', 'miwae'] },
    seeds: 2,
  }),
);

export const NLL_BASE: Record<string, number> = { vae: 100, iwae: 100, 'iwae-dreg': 99, miwae: 98 };
/** SNR = a · K^b per objective and part (vae is IWAE's K = 1 point: the same law). */
export const SNR_LAW: Record<string, Record<'encoder' | 'decoder', { a: number; b: number }>> = {
  vae: { encoder: { a: 2, b: -0.5 }, decoder: { a: 0.4, b: 0.5 } },
  iwae: { encoder: { a: 2, b: -0.5 }, decoder: { a: 0.4, b: 0.5 } },
  'iwae-dreg': { encoder: { a: 1.5, b: 0.25 }, decoder: { a: 0.4, b: 0.5 } },
  miwae: { encoder: { a: 3, b: -0.3 }, decoder: { a: 0.5, b: 0.4 } },
};
const SEED_FACTOR = 1.1;

/**
 * The standard error of the slope the fixture's design gives: points at ln K for the given Ks,
 * each K with both seeds, residuals ±ln(1.1)/2.
 */
export function fixtureSlopeSe(ks: number[]): number {
  const u = ks.flatMap((k) => [Math.log(k), Math.log(k)]);
  const mu = u.reduce((a, b) => a + b, 0) / u.length;
  const suu = u.reduce((a, x) => a + (x - mu) ** 2, 0);
  const ssr = u.length * (Math.log(SEED_FACTOR) / 2) ** 2;
  return Math.sqrt(ssr / (u.length - 2) / suu);
}

export const fixtureNll = (t: PlannedTrial) => (NLL_BASE[t.config.objective] as number) - t.config.k / 10 + t.config.seed;

export function fixtureSnr(t: PlannedTrial, scale = 1): GradientSnrResult {
  const law = SNR_LAW[t.config.objective];
  if (!law) throw new Error(`no SNR law for ${t.config.objective}`);
  const part = (p: 'encoder' | 'decoder') => {
    const mean = scale * law[p].a * t.config.k ** law[p].b * (t.config.seed === 1 ? SEED_FACTOR : 1);
    return { mean, median: mean / 2, parameters: 100 };
  };
  return { draws: 10, encoder: part('encoder'), decoder: part('decoder') };
}

function result(t: PlannedTrial): TrialResult {
  const nll = fixtureNll(t);
  const epochs: EpochMetrics[] = [1, 2].map((epoch) => ({
    epoch,
    trainBound: -nll - 3 + epoch,
    seconds: 1,
    examplesPerSecond: 100,
    learningRate: 1e-3,
    gradientSnr: fixtureSnr(t, epoch === 2 ? 1 : 0.5),
  }));
  return fixtureResult(t, nll, {
    testBoundsByK: {},
    trainBound: -nll - 1,
    activeUnits: 10 + 2 * t.config.seed,
    activeUnitsPerLayer: [10 + 2 * t.config.seed],
    epochs,
    gradientSnr: fixtureSnr(t),
  });
}

/** Writes the finished sweep to `file`. */
export function writeEstimatorSweep(file: string): void {
  writeSweep(file, estimatorPlan, { description: 'estimators <b>fixture</b>', resultOf: result });
}
