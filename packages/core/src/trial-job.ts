import { z } from 'zod';
import { backendNameSchema } from './backend-name.ts';
import { stoppingSchema } from './stopping.ts';
import { trialConfigSchema } from './trial-config.ts';

/**
 * What a worker needs to run one trial, wherever it runs: in a local child process or pulled
 * from Redis. The trial id doubles as the checkpoint key and the queue's job id.
 */
export const trialJobSchema = z
  .object({
    sweepId: z.string().min(1),
    trialId: z.string().regex(/^t[0-9a-f]{20}$/, { message: 'a trial id: "t" and 20 hex digits' }),
    config: trialConfigSchema,
    /** The sweep's preferred backend; a worker's own --backend wins. */
    backend: backendNameSchema.optional(),
    /**
     * The sweep's stopping rule: the trial waits for a decision at each rung. Absent for sweeps
     * without one, and for stopped trials resumed to the end.
     */
    stopping: stoppingSchema.optional(),
  })
  .strict();
export type TrialJob = z.infer<typeof trialJobSchema>;
