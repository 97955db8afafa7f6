import { backendNameSchema, trialEventSchema, trialJobSchema } from '@iwae-sweep/core';
import { z } from 'zod';

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
  /** The runner's early-stopping decision for the child's trial at a rung epoch. */
  z.object({ type: z.literal('rung-decision'), trialId: z.string(), epoch: z.number().int().min(1), stop: z.boolean() }),
  z.object({ type: z.literal('shutdown') }),
]);
export type ToChild = z.infer<typeof toChildSchema>;

/** Child to runner: ready for a trial, evaluation progress (drawn, not stored), or a trial event. */
export const fromChildSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('eval-progress'), trialId: z.string(), done: z.number().int(), total: z.number().int() }),
  z.object({ type: z.literal('event'), event: trialEventSchema }),
]);
export type FromChild = z.infer<typeof fromChildSchema>;
