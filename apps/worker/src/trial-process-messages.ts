import { z } from 'zod';

/**
 * The IPC protocol between a worker and the trial processes it forks (trial-process.ts is the
 * worker's end, trial-process-main.ts the process's). Both sides parse what they receive: the
 * other end is a separate program, and its messages are input like any other.
 */
const errorSchema = z.object({ name: z.string(), message: z.string(), stack: z.string().optional() });
export type ProcessError = z.infer<typeof errorSchema>;

/** Worker to trial process: run one attempt of a job, cancel it, or the answer to a hand-back. */
export const toTrialProcessSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run'),
    job: z.object({ id: z.string().optional(), name: z.string(), data: z.unknown(), attemptsMade: z.number().int().min(0) }),
    token: z.string().optional(),
  }),
  z.object({ type: z.literal('cancel'), reason: z.string() }),
  z.object({ type: z.literal('moved'), error: errorSchema.optional() }),
]);
export type ToTrialProcess = z.infer<typeof toTrialProcessSchema>;

/**
 * Trial process to worker: ready for a job (its modules loaded), the job's progress, a request to
 * hand the job back to the queue (graceful stop), or how the attempt ended.
 */
export const fromTrialProcessSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('progress'), value: z.unknown() }),
  z.object({ type: z.literal('move-to-wait'), token: z.string() }),
  z.object({ type: z.literal('completed'), value: z.unknown() }),
  z.object({ type: z.literal('failed'), error: errorSchema }),
]);
export type FromTrialProcess = z.infer<typeof fromTrialProcessSchema>;
