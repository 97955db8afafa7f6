import { z } from 'zod';
import { trialConfigSchema } from './trial-config.ts';

const finite = z.number().refine(Number.isFinite, { message: 'a finite number' });

/** Metrics of one training epoch: the unit of progress that workers stream back. */
export const epochMetricsSchema = z
  .object({
    /** 1-based epoch number. */
    epoch: z.number().int().min(1),
    /** Mean training objective over the epoch's batches (nats). */
    trainBound: finite,
    seconds: z.number().min(0),
    examplesPerSecond: z.number().min(0),
    learningRate: z.number().positive(),
  })
  .strict();
export type EpochMetrics = z.infer<typeof epochMetricsSchema>;

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
    /** Training objective averaged over the last epoch. */
    trainBound: finite,
    /** Active units summed over layers, and per layer (data side first). */
    activeUnits: z.number().int().min(0),
    activeUnitsPerLayer: z.array(z.number().int().min(0)),
    epochs: z.array(epochMetricsSchema),
    /** Training examples per second over the epochs run in the last attempt. */
    examplesPerSecond: z.number().min(0),
    trainSeconds: z.number().min(0),
    evalSeconds: z.number().min(0),
    backend: z.string(),
    gradient: z.enum(['fast', 'reference']),
    seed: z.number().int(),
    /** Epochs restored from a checkpoint instead of trained in the last attempt. */
    resumedFromEpoch: z.number().int().min(0),
    config: trialConfigSchema,
  })
  .strict();
export type TrialResult = z.infer<typeof trialResultSchema>;
