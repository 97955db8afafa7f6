import { z } from 'zod';

/**
 * What a trial process reports as its job's progress: the last epoch trained or evaluation
 * progress, or nothing (a report alone tells its worker's watchdog that the trial is alive). The
 * worker parses it: the trial process is a separate program, and its reports are input like any
 * other.
 */
export const trialProgressSchema = z.object({
  epoch: z.number().int().min(0).optional(),
  totalEpochs: z.number().int().min(1).optional(),
  trainBound: z.number().optional(),
  evaluated: z.object({ done: z.number().int().min(0), total: z.number().int().min(0) }).optional(),
});
export type TrialProgress = z.infer<typeof trialProgressSchema>;
