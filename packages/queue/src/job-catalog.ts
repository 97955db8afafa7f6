import { type TrialEventRecord, trialEventRecordSchema, trialJobSchema } from '@iwae-sweep/core';
import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';

/** Queue names (under the deployment's prefix). */
export const QUEUE_NAMES = { trials: 'trials', results: 'results' } as const;
export type QueueKey = keyof typeof QUEUE_NAMES;

/** The id of a trial's result event job (the collector looks for it before re-queueing a trial). */
export const resultEventJobId = (trialId: string): string => `${trialId}-result`;

/**
 * The id of a trial event's job. Deterministic, so that a duplicate delivery of the same event
 * is deduplicated by BullMQ while the first one exists (and is harmless afterwards: the
 * collector's writes are idempotent). A result is one per trial whatever the attempt, an epoch one
 * per epoch; the others are one per attempt.
 */
export function trialEventJobId({ attempt, event }: Pick<TrialEventRecord, 'attempt' | 'event'>): string {
  switch (event.type) {
    case 'result':
      return resultEventJobId(event.trialId);
    case 'epoch':
      return `${event.trialId}-e${event.metrics.epoch}`;
    case 'phase':
      return `${event.trialId}-phase-${attempt}-${event.phase}`;
    case 'started':
      return `${event.trialId}-start-${attempt}`;
    case 'failed':
      return `${event.trialId}-fail-${attempt}`;
    case 'cancelled':
      return `${event.trialId}-cancel-${attempt}`;
    case 'stopped':
      return `${event.trialId}-stop-${attempt}`;
  }
}

/**
 * The typed job catalog: every job name with its queue, payload schema, options and id. The
 * producer and the consumer both derive their types from it, so a payload cannot drift, and
 * both validate what crosses Redis. The results queue carries trial events, the same objects a
 * local trial child sends over IPC.
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
  'trial-event': {
    queue: 'results',
    schema: trialEventRecordSchema,
    id: trialEventJobId,
    options: {},
  },
} as const satisfies Record<string, { queue: QueueKey; schema: z.ZodType; id: (payload: never) => string; options: JobsOptions }>;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]['schema']>;
/** Results jobs are removed once the collector has written them; failed ones are kept a while. */
export const RESULTS_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};
