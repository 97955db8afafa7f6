/**
 * BullMQ priorities of trial jobs: the sweep's own priority first, then the trial's cost, longest
 * first. BullMQ takes prioritized jobs lowest number first (1 is the highest; at most 2^21) and
 * FIFO within a number, so the number is band × COST_LEVELS + cost level: every job keeps
 * longest-first order among all waiting jobs of its band, whenever it was queued (a launch, an
 * `add`, a resume, a re-queue) and whichever sweep it belongs to.
 */

/** Cost levels per band: 25 decades of flops, 40 levels a decade (6 % apart). */
export const COST_LEVELS = 1000;
const LEVELS_PER_DECADE = 40;
/** A trial of at least this many flops gets the first level of its band. */
const MAX_FLOPS_LOG10 = 22;

/** The highest sweep priority that keeps its own band (BullMQ's limit is 2^21 = 2,097,152). */
export const MAX_SWEEP_PRIORITY = Math.floor(2_097_152 / COST_LEVELS);

/** The job priority of a trial of `flops` estimated flops in a sweep of priority `sweepPriority` (1 = highest). */
export function trialJobPriority(flops: number, sweepPriority = 1): number {
  const band = Math.min(Math.max(1, Math.round(sweepPriority)), MAX_SWEEP_PRIORITY) - 1;
  const log = Math.log10(Math.max(flops, 1));
  const level = Math.min(COST_LEVELS - 1, Math.max(0, Math.round((MAX_FLOPS_LOG10 - log) * LEVELS_PER_DECADE)));
  return band * COST_LEVELS + level + 1;
}
