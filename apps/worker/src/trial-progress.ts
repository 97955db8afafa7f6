import { z } from 'zod';

/**
 * What a trial process reports as its job's progress: its pid (so that its worker can
 * end it when it stalls), then the last epoch trained or evaluation progress. The worker parses
 * it: the trial process is a separate program, and its reports are input like any other.
 */
export const trialProgressSchema = z.object({
  pid: z.number().int().min(1),
  epoch: z.number().int().min(0).optional(),
  totalEpochs: z.number().int().min(1).optional(),
  trainBound: z.number().optional(),
  evaluated: z.object({ done: z.number().int().min(0), total: z.number().int().min(0) }).optional(),
});
export type TrialProgress = z.infer<typeof trialProgressSchema>;
