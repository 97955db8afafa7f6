import { OBJECTIVES } from '@iwae-sweep/core';
import {
  type Condition,
  type EpochPoint,
  RESULT_COLUMNS,
  type ResultColumn,
  type ResultsDb,
  type SweepSummary,
  TRIAL_STATUSES,
} from '@iwae-sweep/db';
import { z } from 'zod';
import { parseWhere } from '../result-filters.ts';
import { RunLock } from '../run-lock.ts';
import { deadRun, withShownStatus } from '../shown-status.ts';
import { sweepEtaSeconds, sweepStatus } from '../sweep-eta.ts';

/** A sweep as the sweeps page lists it; a local run's lock beside `dbFile` tells whether it died. */
export function sweepView(s: SweepSummary, dbFile: string) {
  const { specJson: _spec, ...rest } = s;
  const runner = s.mode === 'local' ? RunLock.state(dbFile, s.id) : undefined;
  return { ...rest, status: sweepStatus(s, runner), etaSeconds: sweepEtaSeconds(s) ?? null };
}

const int = z.coerce.number().int();
/** Query of the sweep page's trial table: filters, sort (a results column), page. From the URL. */
export const trialQuerySchema = z.object({
  status: z.enum(TRIAL_STATUSES).optional(),
  objective: z.enum(OBJECTIVES).optional(),
  layers: int.min(1).max(2).optional(),
  k: int.min(1).optional(),
  latent: int.min(1).optional(),
  /** A `--where` expression over the results columns (every config field among them). */
  where: z.string().max(500).optional(),
  // A short message: the whole list of columns (~50) would not make one readable line.
  sort: z
    .enum(Object.keys(RESULT_COLUMNS) as [ResultColumn, ...ResultColumn[]], {
      message: 'expected a results column (testNll, k, learningRate, … as in `results --help`)',
    })
    .default('testNll'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  limit: int.min(1).max(1000).default(200),
  offset: int.min(0).default(0),
});
export type TrialQuery = z.infer<typeof trialQuerySchema>;

/**
 * One page of a sweep's trials, filtered and sorted in SQL (fast for 10k+ trials); trials left
 * `running` by a dead local run show as interrupted, as the sweep does.
 */
export function trialPage(db: ResultsDb, sweepId: string, q: TrialQuery) {
  const where: Condition[] = [];
  for (const f of ['status', 'objective', 'layers', 'k', 'latent'] as const) {
    const value = q[f];
    if (value !== undefined) where.push({ column: f, op: '=', value });
  }
  if (q.where) where.push(...parseWhere([q.where]));
  const query = { sweepId, where, sort: [{ column: q.sort, descending: q.dir === 'desc' }], limit: q.limit, offset: q.offset };
  return { total: db.countResults(query), rows: withShownStatus(db.results(query), deadRun(db, sweepId)) };
}

/**
 * Trials of a sweep changed since `since` (ms), oldest change first, up to `limit`, for live
 * updates (statuses as {@link trialPage} shows them).
 */
export function changedTrials(db: ResultsDb, sweepId: string, since: number, limit = 500) {
  const rows = db.results({
    sweepId,
    where: [{ column: 'updatedAt', op: '>', value: since }],
    sort: [{ column: 'updatedAt', descending: false }],
    limit,
  });
  return withShownStatus(rows, rows.length > 0 && deadRun(db, sweepId));
}

/** A row of the trial table, as live updates send it. */
export type TableRow = ReturnType<typeof changedTrials>[number];

/** Epochs recorded since `since` (ms) for some trials (live learning curves). */
export function newEpochs(db: ResultsDb, trialIds: string[], since: number): EpochPoint[] {
  return db.views.epochsSince(trialIds, since);
}
