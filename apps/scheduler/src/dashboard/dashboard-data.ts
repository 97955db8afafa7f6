import type { ResultsDb, SweepSummary, TrialStatus } from '@iwae-sweep/db';
import { z } from 'zod';
import { sweepEtaSeconds, sweepStatus } from '../sweep-eta.ts';

/** A sweep as the sweeps page lists it. */
export function sweepView(s: SweepSummary) {
  const { specJson: _spec, ...rest } = s;
  return { ...rest, status: sweepStatus(s), etaSeconds: sweepEtaSeconds(s) ?? null };
}

const SORTABLE = {
  id: 'id',
  status: 'status',
  objective: 'objective',
  layers: 'layers',
  k: 'k',
  latent: 'latent',
  seed: 'seed',
  epochs: 'epochs_done',
  bound: 'last_train_bound',
  nll: 'test_nll',
  units: 'active_units',
  attempts: 'attempts',
  updated: 'updated_at',
} as const;

const int = z.coerce.number().int();
/** Query of the sweep page's trial table: filters, sort, page. Parsed from the URL. */
export const trialQuerySchema = z.object({
  status: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']).optional(),
  objective: z.enum(['vae', 'iwae']).optional(),
  layers: int.min(1).max(2).optional(),
  k: int.min(1).optional(),
  latent: int.min(1).optional(),
  sort: z.enum(Object.keys(SORTABLE) as [keyof typeof SORTABLE, ...(keyof typeof SORTABLE)[]]).default('nll'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  limit: int.min(1).max(1000).default(200),
  offset: int.min(0).default(0),
});
export type TrialQuery = z.infer<typeof trialQuerySchema>;

export interface TrialRowView {
  id: string;
  status: TrialStatus;
  objective: string;
  layers: number;
  k: number;
  latent: number;
  seed: number;
  epochsDone: number;
  epochsTotal: number;
  bound: number | null;
  nll: number | null;
  units: string | null;
  attempts: number;
  phase: string | null;
  worker: string | null;
  updatedAt: number;
}

const ROW_COLUMNS = `id, status, objective, layers, k, latent, seed, epochs_done, epochs_total, last_train_bound, test_nll,
  active_units_per_layer, attempts, phase, worker_id, updated_at`;

function toView(r: unknown[]): TrialRowView {
  return {
    id: r[0] as string,
    status: r[1] as TrialStatus,
    objective: r[2] as string,
    layers: r[3] as number,
    k: r[4] as number,
    latent: r[5] as number,
    seed: r[6] as number,
    epochsDone: r[7] as number,
    epochsTotal: r[8] as number,
    bound: r[9] as number | null,
    nll: r[10] as number | null,
    units: r[11] ? (JSON.parse(r[11] as string) as number[]).join('+') : null,
    attempts: r[12] as number,
    phase: r[13] as string | null,
    worker: r[14] as string | null,
    updatedAt: r[15] as number,
  };
}

/** One page of a sweep's trials, filtered and sorted in SQL (fast for 10k+ trials). */
export function trialPage(db: ResultsDb, sweepId: string, q: TrialQuery): { total: number; rows: TrialRowView[] } {
  const where = ['sweep_id = ?'];
  const params: (string | number)[] = [sweepId];
  for (const f of ['status', 'objective', 'layers', 'k', 'latent'] as const) {
    const v = q[f];
    if (v !== undefined) {
      where.push(`${f} = ?`);
      params.push(v);
    }
  }
  const clause = where.join(' and ');
  const total = (db.sqlite.prepare(`select count(*) as n from trials where ${clause}`).get(...params) as { n: number }).n;
  const rows = db.sqlite
    .prepare(
      `select ${ROW_COLUMNS} from trials where ${clause}
        order by ${SORTABLE[q.sort]} ${q.dir} nulls last, id limit ? offset ?`,
    )
    .raw(true)
    .all(...params, q.limit, q.offset) as unknown[][];
  return { total, rows: rows.map(toView) };
}

/** Trials of a sweep changed since `since` (ms), for live updates. */
export function changedTrials(db: ResultsDb, sweepId: string, since: number): TrialRowView[] {
  const rows = db.sqlite
    .prepare(`select ${ROW_COLUMNS} from trials where sweep_id = ? and updated_at > ? order by updated_at limit 500`)
    .raw(true)
    .all(sweepId, since) as unknown[][];
  return rows.map(toView);
}

/** Epochs recorded since `since` (ms) for some trials of a sweep (live learning curves). */
export function newEpochs(
  db: ResultsDb,
  trialIds: string[],
  since: number,
): { trialId: string; epoch: number; trainBound: number }[] {
  if (trialIds.length === 0) return [];
  const marks = trialIds.map(() => '?').join(',');
  return db.sqlite
    .prepare(
      `select trial_id as trialId, epoch, train_bound as trainBound from epochs
        where trial_id in (${marks}) and recorded_at > ? order by trial_id, epoch`,
    )
    .all(...trialIds, since) as { trialId: string; epoch: number; trainBound: number }[];
}
