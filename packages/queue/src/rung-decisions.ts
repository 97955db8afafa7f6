import type { Redis } from 'ioredis';

/** How long a rung decision waits in Redis for its trial (a worker may be down for a while). */
const DECISION_TTL_SECONDS = 7 * 24 * 3600;

/** The key holding the early-stopping decision for a trial at one rung epoch: "stop" or "continue". */
export function rungDecisionKey(prefix: string, trialId: string, epoch: number): string {
  return `${prefix}:rung:${trialId}:${epoch}`;
}

/** Written by the collector, where every trial's rung results are visible. */
export async function writeRungDecision(
  redis: Redis,
  prefix: string,
  trialId: string,
  epoch: number,
  stop: boolean,
): Promise<void> {
  await redis.set(rungDecisionKey(prefix, trialId, epoch), stop ? 'stop' : 'continue', 'EX', DECISION_TTL_SECONDS);
}

/** The decision for a trial at a rung, or undefined if none is there yet. */
export async function readRungDecision(
  redis: Redis,
  prefix: string,
  trialId: string,
  epoch: number,
): Promise<boolean | undefined> {
  const v = await redis.get(rungDecisionKey(prefix, trialId, epoch));
  return v === null ? undefined : v === 'stop';
}

/** Removes a trial's decisions once it has ended (result or stop): nothing is left behind. */
export async function clearRungDecisions(redis: Redis, prefix: string, trialId: string, epochs: number[]): Promise<void> {
  if (epochs.length > 0) await redis.del(...epochs.map((e) => rungDecisionKey(prefix, trialId, e)));
}
