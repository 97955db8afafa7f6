import { z } from 'zod';
import { ERROR_TEXT_LIMITS } from './errors.ts';
import { epochMetricsSchema, trialResultSchema } from './results.ts';

/** Where a running trial is: the engine reports these, the DB keeps the last one. */
export const TRIAL_PHASES = ['loading', 'training', 'evaluating', 'done'] as const;
export const trialPhaseSchema = z.enum(TRIAL_PHASES);
export type TrialPhase = z.infer<typeof trialPhaseSchema>;

/**
 * An error as it crosses a process boundary (IPC or Redis): what the DB and the user see. Capped
 * (a 5 MB message was stored once); producers cut theirs with truncateText, so a huge message
 * still reports the failure.
 */
export const errorPayloadSchema = z
  .object({
    name: z.string().max(ERROR_TEXT_LIMITS.name),
    message: z.string().max(ERROR_TEXT_LIMITS.message),
    stack: z.string().max(ERROR_TEXT_LIMITS.stack).optional(),
    code: z.string().max(ERROR_TEXT_LIMITS.code).optional(),
  })
  .strict();
export type ErrorPayload = z.infer<typeof errorPayloadSchema>;

const trialId = z.string().min(1).max(300);
/** Hosts, backends, commits, worker ids: short texts; no event needs more. */
const shortText = z.string().max(300);

/**
 * Everything that happens to a trial while it runs, in one vocabulary for both modes: a local
 * child sends these over IPC, a distributed trial process over the results queue, and both end
 * in the DB through the one applier (`applyTrialEvent` in @iwae-sweep/db).
 */
export const trialEventSchema = z.discriminatedUnion('type', [
  /** A worker took the trial (one per attempt). */
  z
    .object({
      type: z.literal('started'),
      trialId,
      host: shortText.optional(),
      backend: shortText.optional(),
      gitSha: shortText.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('phase'),
      trialId,
      phase: trialPhaseSchema,
      backend: shortText.optional(),
      resumedFromEpoch: z.number().int().min(0).optional(),
    })
    .strict(),
  z.object({ type: z.literal('epoch'), trialId, metrics: epochMetricsSchema, totalEpochs: z.number().int().min(1) }).strict(),
  z.object({ type: z.literal('result'), trialId, result: trialResultSchema }).strict(),
  /** `final`: no attempt is left, or another one cannot succeed (invalid config, diverged). */
  z.object({ type: z.literal('failed'), trialId, error: errorPayloadSchema, final: z.boolean() }).strict(),
  z
    .object({
      type: z.literal('cancelled'),
      trialId,
      completedEpochs: z.number().int().min(0),
      reason: z.string().max(ERROR_TEXT_LIMITS.message),
    })
    .strict(),
  /**
   * The sweep's stopping rule stopped the trial at a rung (the decision, its metric and reason
   * are in the DB's rung record); its checkpoint is kept so that it can be resumed.
   */
  z.object({ type: z.literal('stopped'), trialId, completedEpochs: z.number().int().min(0) }).strict(),
]);
export type TrialEvent = z.infer<typeof trialEventSchema>;
export type TrialEventType = TrialEvent['type'];
export type TrialEventOf<T extends TrialEventType> = Extract<TrialEvent, { type: T }>;

/**
 * A trial event with where it came from: the sweep, the worker process ("<host>:<pid>", or
 * "local:<pid>") and the 1-based attempt. This is a results-queue job's payload, and what the
 * local runner applies for its own children.
 */
export const trialEventRecordSchema = z
  .object({
    sweepId: z.string().min(1).max(300),
    workerId: z.string().min(1).max(300),
    attempt: z.number().int().min(1),
    /**
     * The job lock token of the distributed run that sent it. A worker frozen or cut off longer
     * than its lock loses the trial to another run but may still send events when it wakes: the
     * collector drops the events of a run that no longer holds the trial's lock.
     */
    run: z.string().min(1).optional(),
    event: trialEventSchema,
  })
  .strict();
export type TrialEventRecord = z.infer<typeof trialEventRecordSchema>;
