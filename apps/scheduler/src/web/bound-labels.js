// @ts-check
// The names of the numbers a user reads, one set for the terminal, the report and the dashboard
// (which imports this file as a module). Each says exactly which bound or estimate it is: a VAE
// trained with K samples optimises an estimate of L_1, not L_K, so "train bound" would compare
// different bounds across objectives.
import { samplesLabel } from './estimator-labels.js';

/** mean_k log w on the training batches: an estimate of the ELBO L_1, whatever K. */
export const TRAIN_ELBO_LABEL = 'train ELBO (L_1 est.)';

/**
 * logsumexp log w − log(samples) on the training batches, over all the samples a step draws: the
 * trial's K, or m groups of K for miwae/piwae, named as everywhere else ("M=5 × K=10").
 * @param {{ k: number | string, m?: number | string | null | undefined }} t
 */
export const trainLkLabel = (t) => `train L_K (${samplesLabel(t)})`;

/**
 * The same for charts of many trials: each with its own K, or M × K where a trial keeps an m.
 * @param {{ m?: number | null | undefined }[]} trials
 */
export const trainLkOfEachLabel = (trials) =>
  trials.some((t) => t.m !== null && t.m !== undefined)
    ? `train L_K (${samplesLabel({ k: "each trial's k" })}, or ${samplesLabel({ m: 'm', k: 'k' })} for miwae/piwae)`
    : trainLkLabel({ k: "each trial's k" });

/**
 * L_k on the held-out validation images (the same k for every trial of a sweep).
 * @param {number | string} k
 */
export const validationLabel = (k) => `validation L_${k}`;

/** The jackknife K·L_K − (K−1)·mean L_{K−1}^(−i): an estimate of log p(x), not a bound. */
export const JACKKNIFE_LABEL = 'log p(x) jackknife est. (not a bound)';

/**
 * Below this fraction of K the effective sample size says the weights are degenerate: a few
 * samples carry the sum, the 1/K regime has not begun, and no estimate beyond L_K is trusted.
 */
export const ESS_WARNING_FRACTION = 0.01;

/**
 * @param {number | null | undefined} essMedian median over images of (Σw)²/Σw²
 * @param {number} k the number of samples it came from
 */
export const essTooLow = (essMedian, k) => essMedian !== null && essMedian !== undefined && essMedian < ESS_WARNING_FRACTION * k;

/**
 * One epoch in a line: both training bounds (when recorded) and the validation bound.
 * @param {{ trainBound: number; trainElbo?: number | undefined; trainIwae?: number | undefined; validationBound?: number | undefined }} m
 * @param {{ k: number; m?: number | null | undefined; validationK: number; objective: string }} config
 * @param {number} [digits]
 */
export function epochBounds(m, config, digits = 2) {
  const parts =
    m.trainElbo === undefined || m.trainIwae === undefined
      ? [`${config.objective === 'iwae' ? trainLkLabel(config) : TRAIN_ELBO_LABEL} ${m.trainBound.toFixed(digits)}`]
      : [`${TRAIN_ELBO_LABEL} ${m.trainElbo.toFixed(digits)}`, `${trainLkLabel(config)} ${m.trainIwae.toFixed(digits)}`];
  if (m.validationBound !== undefined) parts.push(`${validationLabel(config.validationK)} ${m.validationBound.toFixed(digits)}`);
  return parts.join('  ');
}
