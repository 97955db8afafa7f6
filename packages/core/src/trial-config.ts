import { z } from 'zod';
import { ValidationError } from './errors.ts';
import { zodProblems } from './zod-problems.ts';

/** MNIST sizes: 60k training and 10k test images of 28×28 pixels. */
export const MNIST_TRAIN_SIZE = 60_000;
export const MNIST_TEST_SIZE = 10_000;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * Training objectives (iwae.md, "After Burda et al."). `vae`: mean_k log w_k. `iwae`: L_K.
 * `iwae-stl`: IWAE with the score term dropped (Roeder et al. 2017; biased for IWAE).
 * `iwae-dreg`: IWAE with doubly reparameterised encoder gradients (Tucker et al. 2019; unbiased).
 * `miwae`: mean of `m` IWAE bounds of K samples. `ciwae`: beta·ELBO + (1−beta)·IWAE.
 * `piwae`: decoder on IWAE(m·K), encoder on MIWAE(m, K) (Rainforth et al. 2018).
 */
export const OBJECTIVES = ['vae', 'iwae', 'iwae-stl', 'iwae-dreg', 'miwae', 'ciwae', 'piwae'] as const;
export type Objective = (typeof OBJECTIVES)[number];
/** Objectives that draw m groups of K samples per data point. */
export const GROUPED_OBJECTIVES: readonly Objective[] = ['miwae', 'piwae'];

/**
 * The learning-rate schedule. `constant`: `epochs` passes at `learningRate`. `paper`: the IWAE
 * paper's schedule, stage i (0-based) runs 3^i passes at learningRate·10^(−i/7); the paper uses
 * 8 stages (3,280 passes).
 */
export const scheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant'), epochs: int(1, 100_000) }).strict(),
  z.object({ type: z.literal('paper'), stages: int(1, 8) }).strict(),
]);
export type Schedule = z.infer<typeof scheduleSchema>;

/**
 * Everything that defines what one trial computes. Two trials with equal normalised configs
 * compute the same thing (up to backend arithmetic), so the trial id hashes this.
 * The compute backend is deliberately not part of it: it is where a trial runs, not what it is.
 */
export const trialConfigSchema = z
  .object({
    dataset: z.literal('mnist').default('mnist'),
    objective: z.enum(OBJECTIVES),
    /** Importance samples per data point during training (per group for miwae/piwae). */
    k: int(1, 100_000),
    /** Groups of K samples (miwae, piwae only; dropped for the other objectives). */
    m: int(1, 10_000).optional(),
    /** Weight of the ELBO in ciwae's β·ELBO + (1−β)·IWAE (ciwae only; dropped otherwise). */
    beta: z.number().min(0).max(1).optional(),
    /** Stochastic layers: 1 (784-200-200-z) or 2 (…-z1-100-100-z2), as in the paper. */
    layers: z.literal([1, 2]).default(1),
    /** Size of the top latent layer (z for 1 layer, z2 for 2 layers). */
    latent: int(1, 2_000).default(50),
    /** Size of z1 in the 2-layer model (ignored, and normalised to 100, with 1 layer). */
    latent1: int(1, 2_000).default(100),
    /** Width of the deterministic layers between x and the first latent layer. */
    hidden: int(1, 4_096).default(200),
    /** Width of the deterministic layers between z1 and z2 (2-layer model). */
    hidden2: int(1, 4_096).default(100),
    batchSize: int(1, 10_000).default(20),
    learningRate: z.number().positive().max(1).default(1e-3),
    schedule: scheduleSchema.default({ type: 'constant', epochs: 10 }),
    trainSize: int(1, MNIST_TRAIN_SIZE).default(MNIST_TRAIN_SIZE),
    /** At least 2: active units are a covariance over test images. */
    testSize: int(2, MNIST_TEST_SIZE).default(MNIST_TEST_SIZE),
    /** Samples per test image for the final bound; test NLL = −L_evalK. */
    evalK: int(1, 100_000).default(5_000),
    /** Extra K values whose test bound L_K is reported (estimated from the evalK log-weights). */
    evalKs: z.array(int(1, 100_000)).default([]),
    /** Test images used to count active units (covariance of E_q[z] > 0.01). */
    activeUnitImages: int(2, MNIST_TEST_SIZE).default(1_000),
    /**
     * Training images held out for a validation bound, taken from the END of the MNIST training
     * set (never the test set, never the first trainSize images). 0 = no validation.
     */
    validationSize: int(0, MNIST_TRAIN_SIZE - 1).default(0),
    /** Samples per held-out image of the validation bound L_validationK: keep it equal across trials. */
    validationK: int(1, 100_000).default(100),
    /** Adam's decay rates and ε (the paper's text: 0.9, 0.999, 1e-4; the authors' code: β1 0.99). */
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().max(1).default(1e-4),
    /** The loss over a batch: its `mean` (the paper's text) or `sum` (the authors' released code). */
    lossReduction: z.enum(['mean', 'sum']).default('mean'),
    seed: int(0, 2 ** 31 - 1).default(0),
    /**
     * Gradient signal-to-noise diagnostic: R independent gradient estimates on one fixed batch
     * at the end of training (and every `gradSnrEvery` epochs). Off when absent.
     */
    gradSnr: int(2, 100_000).optional(),
    gradSnrEvery: int(1, 100_000).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (GROUPED_OBJECTIVES.includes(c.objective) && c.m === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['m'],
        message: `an integer m ≥ 1 (groups of K samples) for objective ${c.objective}`,
      });
    }
    if (c.objective === 'ciwae' && c.beta === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['beta'],
        message: 'a number beta in [0, 1] (weight of the ELBO) for objective ciwae',
      });
    }
    if (c.gradSnrEvery !== undefined && c.gradSnr === undefined) {
      ctx.addIssue({ code: 'custom', path: ['gradSnrEvery'], message: 'no gradSnrEvery without gradSnr (the number of draws)' });
    }
    for (const [i, k] of c.evalKs.entries()) {
      if (k > c.evalK) {
        ctx.addIssue({
          code: 'custom',
          path: ['evalKs', i],
          message: `a K ≤ evalK (${c.evalK}); per-K bounds are estimated from the evalK samples`,
        });
      }
    }
    if (c.batchSize > c.trainSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['batchSize'],
        message: `a batch size ≤ trainSize (${c.trainSize})`,
      });
    }
    if (c.trainSize + c.validationSize > MNIST_TRAIN_SIZE) {
      ctx.addIssue({
        code: 'custom',
        path: ['validationSize'],
        message: `at most ${MNIST_TRAIN_SIZE - c.trainSize} (held out from the end of the ${MNIST_TRAIN_SIZE} training images, apart from the first trainSize ${c.trainSize})`,
      });
    }
  });

export type TrialConfigInput = z.input<typeof trialConfigSchema>;
export type TrialConfig = z.output<typeof trialConfigSchema>;

/** Field names a sweep may vary or fix. */
export const TRIAL_CONFIG_FIELDS = Object.keys(trialConfigSchema.shape) as (keyof TrialConfig)[];

/**
 * Validates and normalises a trial config: defaults filled in, fields that the architecture
 * ignores set to their defaults (so they cannot split identical trials), IWAE with K=1 named
 * VAE (the same computation), evalKs sorted and deduplicated, activeUnitImages capped at testSize.
 * Fields that only some objectives use (m, beta) are dropped from the others, and absent optional
 * fields stay absent: the trial id hashes this form, so configs written before those fields
 * existed keep their ids.
 */
export function normalizeTrialConfig(input: unknown, source = 'trial config'): TrialConfig {
  input = expandShorthands(input);
  const parsed = trialConfigSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(source, zodProblems(parsed.error, input));
  const c = parsed.data;
  return {
    ...c,
    // With one sample the IWAE bound is the ELBO: same model, same objective, same gradients and
    // random draws. One canonical name makes them one trial id, so the pair never trains twice.
    // Only for iwae: with K = 1, DReG and STL are other gradient estimators of the ELBO (their
    // SNR is what a sweep over estimators measures), and miwae/piwae still draw m samples.
    objective: c.k === 1 && c.objective === 'iwae' ? 'vae' : c.objective,
    latent1: c.layers === 2 ? c.latent1 : 100,
    hidden2: c.layers === 2 ? c.hidden2 : 100,
    evalKs: [...new Set(c.evalKs)].sort((a, b) => a - b),
    activeUnitImages: Math.min(c.activeUnitImages, c.testSize),
    // Without validation images validationK computes nothing: it must not split trials.
    validationK: c.validationSize > 0 ? c.validationK : 100,
    m: GROUPED_OBJECTIVES.includes(c.objective) ? c.m : undefined,
    beta: c.objective === 'ciwae' ? c.beta : undefined,
    gradSnrEvery: c.gradSnr === undefined ? undefined : c.gradSnrEvery,
  };
}

/** Samples drawn per data point in one training step: m·K for miwae/piwae, K otherwise. */
export function samplesPerPoint(c: Pick<TrialConfig, 'k' | 'm'>): number {
  return c.k * (c.m ?? 1);
}

/** A short name for a trial's estimator: the objective with its m or beta ("miwae m=5"). */
export function estimatorLabel(c: Pick<TrialConfig, 'objective' | 'm' | 'beta'>): string {
  if (c.m !== undefined) return `${c.objective} m=${c.m}`;
  if (c.beta !== undefined) return `${c.objective} β=${c.beta}`;
  return c.objective;
}

/**
 * Spec and CLI shorthands: `epochs: N` means a constant schedule of N epochs, and
 * `schedule: paper` the paper's full 8-stage schedule.
 */
export function expandShorthands(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const { epochs, ...rest } = input as Record<string, unknown>;
  const out: Record<string, unknown> = rest;
  if (epochs !== undefined) out.schedule = { type: 'constant', epochs };
  if (out.schedule === 'paper') out.schedule = { type: 'paper', stages: 8 };
  return out;
}

/** Learning rate and number of passes of each stage of a schedule. */
export function scheduleStages(schedule: Schedule, learningRate: number): { epochs: number; learningRate: number }[] {
  if (schedule.type === 'constant') return [{ epochs: schedule.epochs, learningRate }];
  return Array.from({ length: schedule.stages }, (_, i) => ({
    epochs: 3 ** i,
    learningRate: learningRate * 10 ** (-i / 7),
  }));
}

export function totalEpochs(schedule: Schedule): number {
  return schedule.type === 'constant' ? schedule.epochs : (3 ** schedule.stages - 1) / 2;
}

/** Learning rate for a 0-based epoch under a schedule. */
export function learningRateAt(schedule: Schedule, learningRate: number, epoch: number): number {
  let start = 0;
  for (const stage of scheduleStages(schedule, learningRate)) {
    if (epoch < start + stage.epochs) return stage.learningRate;
    start += stage.epochs;
  }
  throw new RangeError(`epoch ${epoch} is past the schedule's ${start} epochs`);
}

/** Multiply-adds per example of one decoder pass, the part that scales with K. */
function decoderMacs(c: TrialConfig): number {
  if (c.layers === 1) return c.latent * c.hidden + c.hidden * c.hidden + c.hidden * 784;
  const top = c.latent * c.hidden2 + c.hidden2 * c.hidden2 + c.hidden2 * 2 * c.latent1;
  const enc2 = c.latent1 * c.hidden2 + c.hidden2 * c.hidden2 + c.hidden2 * 2 * c.latent;
  return top + enc2 + c.latent1 * c.hidden + c.hidden * c.hidden + c.hidden * 784;
}

/**
 * Rough cost of a trial in floating-point operations: training (forward + backward ≈ 3 passes),
 * the held-out validation bound after every epoch and the test evaluation (both forward only).
 * Used to start the longest trials first, to estimate ETAs and by the planner.
 */
export function estimateTrialFlops(c: TrialConfig): number {
  const perSample = 2 * decoderMacs(c);
  const epochs = totalEpochs(c.schedule);
  const train = 3 * perSample * samplesPerPoint(c) * c.trainSize * epochs;
  // L_validationK on validationSize held-out images, after each epoch (run-trial.ts): with the
  // usual validationK (100) it can cost as much as a K=5 epoch of training.
  const validation = perSample * c.validationK * c.validationSize * epochs;
  const evaluation = perSample * c.evalK * c.testSize;
  // Each gradient-SNR check computes `gradSnr` gradients on one batch.
  const checks = c.gradSnr === undefined ? 0 : 1 + Math.floor(epochs / (c.gradSnrEvery ?? Number.POSITIVE_INFINITY));
  const snr = checks * (c.gradSnr ?? 0) * 3 * perSample * samplesPerPoint(c) * c.batchSize;
  return train + validation + evaluation + snr;
}
