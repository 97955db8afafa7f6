import { epochMetricsSchema, trialJobSchema, trialResultSchema } from '@iwae-sweep/core';
import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/** Queue names (under the deployment's prefix). */
export const QUEUE_NAMES = { trials: 'trials', results: 'results' } as const;
export type QueueKey = keyof typeof QUEUE_NAMES;

const eventBase = {
  sweepId: z.string().min(1),
  trialId: z.string().min(1),
  /** Which worker process ran it: "<host>:<pid>". */
  workerId: z.string().min(1),
  /** 1-based attempt of the trial job. */
  attempt: z.number().int().min(1),
};

export const errorPayloadSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  code: z.string().optional(),
});

/**
 * The typed job catalog: every job name with its queue, payload schema, options and id. The
 * producer and the consumer both derive their types from it, so a payload cannot drift, and
 * both validate what crosses Redis. Result events carry deterministic ids: a duplicate
 * delivery of the same event is deduplicated by BullMQ while the first one exists, and is
 * harmless afterwards (the collector's writes are idempotent).
 */
export const jobCatalog = {
  trial: {
    queue: 'trials',
    schema: trialJobSchema,
    id: (p: z.infer<typeof trialJobSchema>) => p.trialId,
    options: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  },
  'trial-started': {
    queue: 'results',
    schema: z.object({ ...eventBase, host: z.string(), backend: z.string().optional(), gitSha: z.string().optional() }).strict(),
    id: (p: { trialId: string; attempt: number }) => `${p.trialId}-start-${p.attempt}`,
    options: {},
  },
  'trial-phase': {
    queue: 'results',
    schema: z
      .object({
        ...eventBase,
        phase: z.enum(['loading', 'training', 'evaluating', 'done']),
        backend: z.string().optional(),
        resumedFromEpoch: z.number().int().min(0).optional(),
      })
      .strict(),
    id: (p: { trialId: string; attempt: number; phase: string }) => `${p.trialId}-phase-${p.attempt}-${p.phase}`,
    options: {},
  },
  'trial-epoch': {
    queue: 'results',
    schema: z.object({ ...eventBase, metrics: epochMetricsSchema, totalEpochs: z.number().int().min(1) }).strict(),
    id: (p: { trialId: string; metrics: { epoch: number } }) => `${p.trialId}-e${p.metrics.epoch}`,
    options: {},
  },
  'trial-result': {
    queue: 'results',
    schema: z.object({ ...eventBase, result: trialResultSchema }).strict(),
    id: (p: { trialId: string }) => `${p.trialId}-result`,
    options: {},
  },
  'trial-failed': {
    queue: 'results',
    schema: z.object({ ...eventBase, error: errorPayloadSchema, final: z.boolean() }).strict(),
    id: (p: { trialId: string; attempt: number }) => `${p.trialId}-fail-${p.attempt}`,
    options: {},
  },
  'trial-cancelled': {
    queue: 'results',
    schema: z.object({ ...eventBase, completedEpochs: z.number().int().min(0), reason: z.string() }).strict(),
    id: (p: { trialId: string; attempt: number }) => `${p.trialId}-cancel-${p.attempt}`,
    options: {},
  },
} as const satisfies Record<string, { queue: QueueKey; schema: z.ZodType; id: (payload: never) => string; options: JobsOptions }>;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]['schema']>;
export type ResultJobName = { [N in JobName]: (typeof jobCatalog)[N]['queue'] extends 'results' ? N : never }[JobName];

/** A result event as the collector receives it: its name and validated payload. */
export type ResultEvent = { [N in ResultJobName]: { name: N; payload: JobPayload<N> } }[ResultJobName];

/** Results jobs are removed once the collector has written them; failed ones are kept a while. */
export const RESULTS_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};
