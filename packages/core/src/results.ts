import { z } from 'zod';
import { trialConfigSchema } from './trial-config.ts';

const finite = z.number().refine(Number.isFinite, { message: 'a finite number' });

/** Per-parameter gradient SNRs |E g|/sd g of one parameter group, summarised (null: no parameter varied). */
export const snrSummarySchema = z
  .object({ mean: finite.nullable(), median: finite.nullable(), parameters: z.number().int().min(0) })
  .strict();

/** The gradient signal-to-noise diagnostic (trial field gradSnr): R gradient draws on one fixed batch. */
export const gradientSnrSchema = z
  .object({ draws: z.number().int().min(2), encoder: snrSummarySchema, decoder: snrSummarySchema })
  .strict();
export type GradientSnrResult = z.infer<typeof gradientSnrSchema>;

/** Metrics of one training epoch: the unit of progress that workers stream back. */
export const epochMetricsSchema = z
  .object({
    /** 1-based epoch number. */
    epoch: z.number().int().min(1),
    /**
     * Mean training objective over the epoch's batches (nats): for `vae` the ELBO estimate
     * mean_k log w_k (an estimate of L_1), for `iwae` L_K. Kept for records made before the two
     * labelled figures below existed; read those.
     */
    trainBound: finite,
    /** "train ELBO (L_1 est.)": mean over the epoch of mean_k log w_k (nats). */
    trainElbo: finite.optional(),
    /** "train L_K": mean over the epoch of logsumexp_k log w_k − log K, K = the trial's k (nats). */
    trainIwae: finite.optional(),
    /** L_validationK on the held-out validation images after this epoch (nats), when validationSize > 0. */
    validationBound: finite.optional(),
    seconds: z.number().min(0),
    examplesPerSecond: z.number().min(0),
    learningRate: z.number().positive(),
    /** Measured after this epoch when the trial asks for it (gradSnr, every gradSnrEvery epochs and at the end). */
    gradientSnr: gradientSnrSchema.optional(),
  })
  .strict();
export type EpochMetrics = z.infer<typeof epochMetricsSchema>;

/**
 * The software a trial ran on. Runs are bit-identical only for equal seed, config and all of this
 * (verified on wasm); other backends and versions give close but different floats.
 */
export const runtimeInfoSchema = z
  .object({
    /** The backend that ran (wasm, cpu, tensorflow, tensorflow-gpu). */
    backend: z.string(),
    /** The tfjs engine backend name ("wasm", "cpu", "tensorflow"). */
    tfBackend: z.string(),
    /** @tensorflow/tfjs-core version. */
    tfjs: z.string(),
    /** The backend package's version (tfjs-backend-wasm, tfjs-node, …). */
    backendVersion: z.string().optional(),
    /** wasm: whether SIMD and threads were used; native: the TensorFlow C library version. */
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** Our hand-written kernels (wasm fused Bernoulli/tanh), if installed. */
    kernels: z.string().optional(),
    node: z.string(),
    platform: z.string(),
  })
  .strict();
export type RuntimeInfo = z.infer<typeof runtimeInfoSchema>;

/** The outcome of a finished trial. */
export const trialResultSchema = z
  .object({
    /** −L_evalK on the test images (nats). */
    testNll: finite,
    /** L_evalK on the test images (nats). */
    testBound: finite,
    evalK: z.number().int().min(1),
    /** L_k on the test images for each k in config.evalKs (keys are k as strings, JSON-style). */
    testBoundsByK: z.record(z.string().regex(/^\d+$/), finite),
    /**
     * Estimate of log p(x) beyond L_evalK: the jackknife evalK·L_K − (evalK−1)·mean_i L_{K−1}^(−i)
     * per test image, averaged. It removes the 1/K term of the gap; it is NOT a bound.
     */
    testJackknife: finite.optional(),
    /** Effective sample size (Σw)²/Σw² of the evalK importance weights per test image: mean and median. */
    testEssMean: z.number().min(0).optional(),
    testEssMedian: z.number().min(0).optional(),
    /** Training objective averaged over the last epoch. */
    trainBound: finite,
    /** Active units summed over layers, and per layer (data side first). */
    activeUnits: z.number().int().min(0),
    activeUnitsPerLayer: z.array(z.number().int().min(0)),
    epochs: z.array(epochMetricsSchema),
    /** Gradient SNR after the last epoch (when the trial's gradSnr is set). */
    gradientSnr: gradientSnrSchema.optional(),
    /** Training examples per second over the epochs run in the last attempt. */
    examplesPerSecond: z.number().min(0),
    trainSeconds: z.number().min(0),
    evalSeconds: z.number().min(0),
    backend: z.string(),
    /** What computed it: library versions and backend details, for when bit-identity holds. */
    runtime: runtimeInfoSchema.optional(),
    gradient: z.enum(['fast', 'reference']),
    seed: z.number().int(),
    /** Epochs restored from a checkpoint instead of trained in the last attempt. */
    resumedFromEpoch: z.number().int().min(0),
    config: trialConfigSchema,
  })
  .strict();
export type TrialResult = z.infer<typeof trialResultSchema>;
