import type { TrialConfig } from '@iwae-sweep/core';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { EPOCH_COLUMNS, EPOCH_KEY_COLUMNS } from './analysis-views.ts';
import { CONFIG_COLUMNS, type ConfigValue, configValues } from './config-columns.ts';
import type { DbConnection } from './connection.ts';
import type {
  EpochRow,
  ResultRow,
  ResultsQuery,
  SweepRow,
  SweepSummary,
  TrialRow,
  TrialSnrRow,
  TrialWithConfig,
} from './db-types.ts';
import { DbError } from './errors.ts';
import { conditionSql, resultColumnSql } from './filters.ts';
import { RESULT_COLUMNS } from './result-columns.ts';
import type { TrialStatus } from './schema.ts';
import { epochs, sweeps, trialConfigs, trials } from './schema.ts';
import { decodeTrialConfig } from './trial-config-codec.ts';

type Decode = (v: unknown) => unknown;
const jsonOr =
  (fallback: unknown): Decode =>
  (v) =>
    v ? JSON.parse(v as string) : fallback;

/**
 * The results view's fields, each named once with its SQL (and its decoder for JSON columns).
 * Rows are read as arrays (better-sqlite3 builds row objects slowly, and this view can be 100k
 * rows) and turned into objects by these names.
 */
const RESULT_FIELDS: { [F in Exclude<keyof ResultRow, 'config'>]: { sql: string; decode?: Decode } } = {
  sweep: { sql: 't.sweep_id' },
  trial: { sql: 't.id' },
  group: { sql: 't.group_id' },
  status: { sql: 't.status' },
  objective: { sql: 't.objective' },
  layers: { sql: 't.layers' },
  k: { sql: 't.k' },
  m: { sql: 't.m' },
  beta: { sql: 't.beta' },
  latent: { sql: 't.latent' },
  seed: { sql: 't.seed' },
  batchSize: { sql: 't.batch_size' },
  trainSize: { sql: 't.train_size' },
  epochs: { sql: 't.epochs_total' },
  epochsDone: { sql: 't.epochs_done' },
  attempts: { sql: 't.attempts' },
  testNll: { sql: 't.test_nll' },
  testBound: { sql: 't.test_bound' },
  evalK: { sql: RESULT_COLUMNS.evalK as string },
  testBoundsByK: { sql: 't.test_bounds', decode: jsonOr({}) },
  trainBound: { sql: 't.train_bound' },
  activeUnits: { sql: 't.active_units' },
  activeUnitsPerLayer: { sql: 't.active_units_per_layer', decode: jsonOr(null) },
  examplesPerSecond: { sql: 't.examples_per_second' },
  trainSeconds: { sql: 't.train_seconds' },
  evalSeconds: { sql: 't.eval_seconds' },
  backend: { sql: 't.backend' },
  host: { sql: 't.host' },
  error: { sql: 't.error' },
  stopEpoch: { sql: 't.stop_epoch' },
  stopReason: { sql: 't.stop_reason' },
  snrEncoderMean: { sql: 't.snr_encoder_mean' },
  snrEncoderMedian: { sql: 't.snr_encoder_median' },
  snrDecoderMean: { sql: 't.snr_decoder_mean' },
  snrDecoderMedian: { sql: 't.snr_decoder_median' },
  worker: { sql: 't.worker_id' },
  phase: { sql: 't.phase' },
  lastTrainBound: { sql: 't.last_train_bound' },
  startedAt: { sql: 't.started_at' },
  finishedAt: { sql: 't.finished_at' },
  updatedAt: { sql: 't.updated_at' },
  reusedFrom: { sql: RESULT_COLUMNS.reusedFrom as string },
};
const FIELD_LIST = Object.entries(RESULT_FIELDS).map(([name, f]) => ({ name, ...f }));
// The config once, parsed here: ~15 json_extract calls per row made a 100k-row read 15× slower.
const SELECT_LIST = [...FIELD_LIST.map((f) => f.sql), 'c.config_json'].join(', ');
/** trials joined with their configs: the left join keeps trials the outer loop (scan by sweep). */
const FROM = 'trials t left join trial_configs c on c.trial_id = t.id';

function toResultRow(values: unknown[]): ResultRow {
  const row: Record<string, unknown> = {};
  let i = 0;
  for (const f of FIELD_LIST) {
    const v = values[i++];
    row[f.name] = f.decode ? f.decode(v) : v;
  }
  const json = values[i];
  row.config = configValues(typeof json === 'string' ? (JSON.parse(json) as Partial<TrialConfig>) : {});
  return row as unknown as ResultRow;
}

/** Reads of sweeps, trials, epochs and the filtered, sorted results view. */
export class ResultQueries {
  constructor(private readonly conn: DbConnection) {}

  getSweep(sweepId: string): SweepRow | undefined {
    return this.conn.db.select().from(sweeps).where(eq(sweeps.id, sweepId)).get();
  }

  getTrial(trialId: string): TrialRow | undefined {
    return this.conn.db.select().from(trials).where(eq(trials.id, trialId)).get();
  }

  trialsOf(sweepId: string, statuses?: TrialStatus[]): TrialRow[] {
    const where = statuses ? and(eq(trials.sweepId, sweepId), inArray(trials.status, statuses)) : eq(trials.sweepId, sweepId);
    return this.conn.db.select().from(trials).where(where).orderBy(sql`${trials.flops} desc`, trials.id).all();
  }

  /** Like {@link trialsOf}, with each trial's config (what a runner needs to run it). */
  trialsWithConfig(sweepId: string, statuses?: TrialStatus[]): TrialWithConfig[] {
    const where = statuses ? and(eq(trials.sweepId, sweepId), inArray(trials.status, statuses)) : eq(trials.sweepId, sweepId);
    return this.conn.db
      .select({ trial: trials, configJson: trialConfigs.configJson })
      .from(trials)
      .innerJoin(trialConfigs, eq(trialConfigs.trialId, trials.id))
      .where(where)
      .orderBy(sql`${trials.flops} desc`, trials.id)
      .all()
      .map((r) => ({ ...r.trial, config: decodeTrialConfig(r.configJson, r.trial.id) }));
  }

  trialConfig(trialId: string): TrialConfig | undefined {
    const row = this.conn.db.select().from(trialConfigs).where(eq(trialConfigs.trialId, trialId)).get();
    return row ? decodeTrialConfig(row.configJson, trialId) : undefined;
  }

  epochsOf(trialId: string): EpochRow[] {
    return this.conn.db.select().from(epochs).where(eq(epochs.trialId, trialId)).orderBy(epochs.epoch).all();
  }

  /** Every epoch of a sweep's trials, for learning curves. */
  epochsOfSweep(sweepId: string): EpochRow[] {
    return this.conn.sqlite
      .prepare(
        `select e.trial_id as trialId, e.epoch, e.train_bound as trainBound, e.train_elbo as trainElbo,
                e.train_iwae as trainIwae, e.validation_bound as validationBound,
                e.snr_encoder_mean as snrEncoderMean, e.snr_encoder_median as snrEncoderMedian,
                e.snr_decoder_mean as snrDecoderMean, e.snr_decoder_median as snrDecoderMedian, e.seconds,
                e.examples_per_second as examplesPerSecond, e.learning_rate as learningRate, e.recorded_at as recordedAt
           from epochs e join trials t on t.id = e.trial_id
          where t.sweep_id = ? order by e.trial_id, e.epoch`,
      )
      .all(sweepId) as EpochRow[];
  }

  /**
   * The gradient SNR each finished trial of a sweep measured after training (trials without
   * gradSnr left out), with its group and K: what SNR-against-K fits read.
   */
  trialSnrs(sweepId: string): TrialSnrRow[] {
    return this.conn.sqlite
      .prepare(
        `select group_id as groupId, id as trialId, k, snr_encoder_mean as encoderMean, snr_encoder_median as encoderMedian,
                snr_decoder_mean as decoderMean, snr_decoder_median as decoderMedian
           from trials
          where sweep_id = ? and result_recorded_at is not null and group_id is not null
            and coalesce(snr_encoder_mean, snr_encoder_median, snr_decoder_mean, snr_decoder_median) is not null
          order by group_id, id`,
      )
      .all(sweepId) as TrialSnrRow[];
  }

  /**
   * The backend each worker's trials last resolved to (`auto` is a request, not a backend: a
   * trial's record names what it ran on once its backend is up). Workers without one are absent.
   */
  workerBackends(workerIds: readonly string[]): Map<string, string> {
    // One index seek per worker (trials_worker, covering): its newest trial with a backend. A
    // grouped max() over `worker_id in (…)` read every trial of those workers (0.55 s at 200k).
    const latest = this.conn.sqlite.prepare(
      `select backend from trials
        where worker_id = ? and backend is not null and backend != 'auto'
        order by updated_at desc limit 1`,
    );
    const out = new Map<string, string>();
    for (const id of workerIds) {
      const row = latest.get(id) as { backend: string } | undefined;
      if (row) out.set(id, row.backend);
    }
    return out;
  }

  /** Sweeps with their trial counts by status, newest first. */
  sweepSummaries(sweepId?: string): SweepSummary[] {
    return this.conn.sqlite
      .prepare(
        `select s.id, s.description, s.spec_json as specJson, s.mode, s.state, s.git_sha as gitSha, s.host,
                s.created_at as createdAt, s.updated_at as updatedAt,
                count(t.id) as total,
                coalesce(sum(t.status = 'queued'), 0) as queued,
                coalesce(sum(t.status = 'running'), 0) as running,
                coalesce(sum(t.status = 'done'), 0) as done,
                coalesce(sum(t.status = 'failed'), 0) as failed,
                coalesce(sum(t.status = 'cancelled'), 0) as cancelled,
                coalesce(sum(t.status = 'stopped'), 0) as stopped,
                coalesce(sum(t.epochs_done), 0) as epochsDone,
                coalesce(sum(t.epochs_total), 0) as epochsTotal,
                coalesce(sum(case when t.status in ('queued', 'running') then t.flops end), 0) as flopsLeft,
                coalesce(sum(case when t.status = 'done' then t.flops end), 0) as flopsDone,
                coalesce(sum(case when t.status = 'done' then (t.finished_at - t.started_at) / 1000.0 end), 0) as secondsDone,
                min(t.started_at) as firstStartedAt,
                max(t.finished_at) as lastFinishedAt
           from sweeps s left join trials t on t.sweep_id = s.id
          ${sweepId ? 'where s.id = ?' : ''}
          group by s.id order by s.created_at desc`,
      )
      .all(...(sweepId ? [sweepId] : [])) as SweepSummary[];
  }

  /** One row per trial with its result (if any), filtered and sorted on whitelisted columns. */
  results(q: ResultsQuery = {}): ResultRow[] {
    const { clause, params } = resultsWhere(q);
    const order = (q.sort ?? []).map((s) => `${resultColumnSql(s.column)} ${s.descending ? 'desc' : 'asc'} nulls last`);
    order.push('t.sweep_id', 't.layers', 't.objective', 't.k', 't.latent', 't.seed', 't.id');
    const page = [
      q.limit ? `limit ${Math.floor(q.limit)}` : q.offset ? 'limit -1' : '',
      q.offset ? `offset ${Math.floor(q.offset)}` : '',
    ];
    const text = `select ${SELECT_LIST} from ${FROM} ${clause} order by ${order.join(', ')} ${page.join(' ')}`;
    return this.rawRows('reading results', text, params).map(toResultRow);
  }

  /**
   * One row per epoch of the matching trials (long format): the trial's sweep, id, group and
   * config fields, then every epochs column. `where` takes the results' columns.
   */
  epochResults(q: ResultsQuery = {}): Record<string, ConfigValue>[] {
    const { clause, params } = resultsWhere(q);
    const cols = [...EPOCH_KEY_COLUMNS.map((n) => ({ name: n, sql: RESULT_COLUMNS[n] as string })), ...EPOCH_COLUMNS];
    const text = `select ${cols.map((c) => c.sql).join(', ')} from epochs e join trials t on t.id = e.trial_id left join trial_configs c on c.trial_id = t.id ${clause}
      order by t.sweep_id, t.id, e.epoch ${q.limit ? `limit ${Math.floor(q.limit)}` : ''}`;
    const rows = this.rawRows('reading epochs', text, params);
    const lists = new Set(CONFIG_COLUMNS.filter((c) => c.kind === 'list').map((c) => c.name));
    return rows.map((values) =>
      Object.fromEntries(
        cols.map((c, i) => {
          const v = values[i];
          return [c.name, lists.has(c.name) && typeof v === 'string' ? JSON.parse(v) : v];
        }),
      ),
    );
  }

  /** How many rows {@link results} would return without limit and offset. */
  countResults(q: ResultsQuery = {}): number {
    const { clause, params } = resultsWhere(q);
    return (this.conn.sqlite.prepare(`select count(*) as n from ${FROM} ${clause}`).get(...params) as { n: number }).n;
  }

  /** Rows as arrays (columns by position, as `text` selects them); a failure names what was read. */
  private rawRows(what: string, text: string, params: (string | number)[]): unknown[][] {
    try {
      return this.conn.sqlite
        .prepare(text)
        .raw(true)
        .all(...params) as unknown[][];
    } catch (err) {
      throw new DbError(what, text, params, err);
    }
  }
}

function resultsWhere(q: ResultsQuery): { clause: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  if (q.sweepId) {
    clauses.push('t.sweep_id = ?');
    params.push(q.sweepId);
  }
  for (const c of q.where ?? []) {
    clauses.push(conditionSql(c));
    params.push(c.value);
  }
  return { clause: clauses.length > 0 ? `where ${clauses.join(' and ')}` : '', params };
}
