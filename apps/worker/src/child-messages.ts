import { backendNameSchema, epochMetricsSchema, trialJobSchema, trialResultSchema } from '@iwae-sweep/core';
import { z } from 'zod';
import { serializedErrorSchema } from './serialize-error.ts';

/**
 * The IPC protocol between the local runner and its trial child processes. Both sides parse what
 * they receive: a child is a separate program, and its messages are input like any other.
 */
export const toChildSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run'),
    job: trialJobSchema,
    checkpointDir: z.string().min(1),
    backend: backendNameSchema.optional(),
  }),
  z.object({ type: z.literal('shutdown') }),
]);
export type ToChild = z.infer<typeof toChildSchema>;

export const fromChildSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({
    type: z.literal('phase'),
    trialId: z.string(),
    phase: z.enum(['loading', 'training', 'evaluating', 'done']),
    backend: z.string().optional(),
    resumedFromEpoch: z.number().int().min(0).optional(),
  }),
  z.object({ type: z.literal('epoch'), trialId: z.string(), metrics: epochMetricsSchema, totalEpochs: z.number().int().min(1) }),
  z.object({ type: z.literal('eval-progress'), trialId: z.string(), done: z.number().int(), total: z.number().int() }),
  z.object({ type: z.literal('result'), trialId: z.string(), result: trialResultSchema }),
  z.object({ type: z.literal('failed'), trialId: z.string(), error: serializedErrorSchema }),
]);
export type FromChild = z.infer<typeof fromChildSchema>;
