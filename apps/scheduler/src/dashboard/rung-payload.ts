import type { ResultsDb } from '@iwae-sweep/db';
import { buildRungData } from '../report/rung-data.ts';

/**
 * The sweep page's rung view (GET /api/sweeps/:id/rungs): the rule, each rung's records, cutoff
 * and decisions, the trials stopped and why, and the rungs plot's curves (the report's). `rungs`
 * is null for a sweep without a stopping rule. The page fetches it again when the sweep's trials
 * change, so it is as live as the trial table.
 */
export function rungsPayload(db: ResultsDb, sweepId: string) {
  return { rungs: buildRungData(db, sweepId) };
}
