import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type EpochMetrics,
  epochMetricsSchema,
  type PlannedTrial,
  stableStringify,
  type TrialResult,
  totalEpochs,
  trialResultSchema,
  ValidationError,
  zodProblems,
} from '@iwae-sweep/core';
import Database from 'better-sqlite3';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { z } from 'zod';
import { DbError, UnknownEntityError } from './errors.ts';
import { type Condition, RESULT_COLUMNS, type SortKey } from './filters.ts';
import * as schema from './schema.ts';
import {
  epochs,
  modelBounds,
  modelEpochs,
  modelStats,
  sweepRuns,
  sweeps,
  type TrialStatus,
  trialConfigs,
  trials,
} from './schema.ts';

const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));

interface ModelOf {
  sweepId: string;
  layers: number;
  objective: 'vae' | 'iwae';
  k: number;
  latent: number;
  host: string | null;
  gitSha: string | null;
}

export interface SweepInput {
  id: string;
  description?: string | undefined;
  spec: unknown;
  mode: 'local' | 'redis';
  gitSha?: string | undefined;
  host?: string | undefined;
}

export interface TrialStart {
  host?: string | undefined;
  /** Commit of the code that runs the trial (workers may run other versions than the scheduler). */
  gitSha?: string | undefined;
  backend?: string | undefined;
  workerId?: string | undefined;
}

export type SweepRow = typeof sweeps.$inferSelect;
export type TrialRow = typeof trials.$inferSelect;
/** A trial with its config, as a runner needs it. */
export type TrialWithConfig = TrialRow & { configJson: string };
export type EpochRow = typeof epochs.$inferSelect;

export interface SweepSummary extends SweepRow {
  total: number;
  queued: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
  epochsDone: number;
  epochsTotal: number;
  /** Sum of the estimated flops of unfinished trials, and of finished ones with their run time. */
  flopsLeft: number;
  flopsDone: number;
  secondsDone: number;
  firstStartedAt: number | null;
  lastFinishedAt: number | null;
}

export interface ResultRow {
  sweep: string;
  trial: string;
  status: TrialStatus;
  objective: string;
  layers: number;
  k: number;
  latent: number;
  seed: number;
  batchSize: number;
  trainSize: number;
  epochs: number;
  epochsDone: number;
  attempts: number;
  testNll: number | null;
  testBound: number | null;
  evalK: number | null;
  /** L_k on the test set for the extra k values, by k. */
  testBoundsByK: Record<string, number>;
  trainBound: number | null;
  activeUnits: number | null;
  activeUnitsPerLayer: number[] | null;
  examplesPerSecond: number | null;
  backend: string | null;
  host: string | null;
  error: string | null;
  /** Live fields, for progress views. */
  worker: string | null;
  phase: string | null;
  lastTrainBound: number | null;
  updatedAt: number;
}

export interface ResultsQuery {
  sweepId?: string | undefined;
  where?: Condition[];
  sort?: SortKey[];
  limit?: number;
  offset?: number;
}

export interface ModelKeyRow {
  layers: number;
  objective: string;
  k: number;
  latent: number;
}

export interface PaperTableRow {
  layers: number;
  objective: string;
  k: number;
  latent: number;
  trials: number;
  nllMean: number;
  nllSd: number | null;
  unitsMean: number;
  unitsSd: number | null;
  /** Active units per layer, averaged over seeds ("20+6" style), data side first. */
  unitsPerLayerMean: number[];
}

/**
 * The results database: one SQLite file (WAL, busy timeout), schema applied by migrations on
 * open. Every write is idempotent: recording the same epoch or result twice changes nothing,
 * and a finished trial is never reopened. Inputs are validated before anything is written.
 */
export class ResultsDb {
  readonly sqlite: Database.Database;
  readonly db: BetterSQLite3Database<typeof schema>;

  private constructor(
    readonly file: string,
    readonly readonly: boolean,
  ) {
    if (!readonly && file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.sqlite = new Database(file, { readonly, fileMustExist: readonly });
    this.sqlite.pragma('busy_timeout = 10000');
    if (!readonly) {
      this.sqlite.pragma('journal_mode = WAL');
      this.sqlite.pragma('synchronous = NORMAL');
    }
    this.sqlite.pragma('foreign_keys = ON');
    this.db = drizzle(this.sqlite, { schema });
  }

  /**
   * The writes that run per event (epochs, starts, results), prepared once: building and
   * compiling them per call cost ~10× the write itself.
   */
  private stmts: ReturnType<ResultsDb['prepareStatements']> | undefined;
  private get st() {
    this.stmts ??= this.prepareStatements();
    return this.stmts;
  }

  private prepareStatements() {
    const p = sql.placeholder;
    const modelKey = { sweepId: p('sweepId'), layers: p('layers'), objective: p('objective'), k: p('k'), latent: p('latent') };
    return {
      modelOf: this.sqlite.prepare(
        'select sweep_id as sweepId, layers, objective, k, latent, host, git_sha as gitSha from trials where id = ?',
      ),
      started: this.db
        .update(trials)
        .set({
          status: 'running',
          attempts: sql`${trials.attempts} + 1`,
          phase: 'loading',
          startedAt: sql`${p('now')}`,
          finishedAt: null,
          host: sql`${p('host')}`,
          backend: sql`${p('backend')}`,
          workerId: sql`${p('workerId')}`,
          gitSha: sql`${p('gitSha')}`,
          error: null,
          errorStack: null,
          updatedAt: sql`${p('now')}`,
        })
        .where(and(eq(trials.id, sql.placeholder('id')), ne(trials.status, 'done')))
        .prepare(),
      phase: this.db
        .update(trials)
        .set({
          phase: sql`${p('phase')}`,
          backend: sql`coalesce(${p('backend')}, ${trials.backend})`,
          updatedAt: sql`${p('now')}`,
        })
        .where(and(eq(trials.id, sql.placeholder('id')), ne(trials.status, 'done')))
        .prepare(),
      insertEpoch: this.db
        .insert(epochs)
        .values({
          trialId: p('trialId'),
          epoch: p('epoch'),
          trainBound: p('trainBound'),
          seconds: p('seconds'),
          examplesPerSecond: p('examplesPerSecond'),
          learningRate: p('learningRate'),
          recordedAt: p('now'),
        })
        .onConflictDoNothing()
        .prepare(),
      epochProgress: this.db
        .update(trials)
        // An epoch means the trial is training: workers send no separate event for that phase.
        .set({
          epochsDone: sql`${p('epoch')}`,
          lastTrainBound: sql`${p('trainBound')}`,
          phase: 'training',
          updatedAt: sql`${p('now')}`,
        })
        .where(and(eq(trials.id, sql.placeholder('id')), sql`${trials.epochsDone} < ${p('epoch')}`))
        .prepare(),
      modelEpoch: this.db
        .insert(modelEpochs)
        .values({ ...modelKey, epoch: p('epoch'), boundSum: p('bound'), n: 1 })
        .onConflictDoUpdate({
          target: [
            modelEpochs.sweepId,
            modelEpochs.layers,
            modelEpochs.objective,
            modelEpochs.k,
            modelEpochs.latent,
            modelEpochs.epoch,
          ],
          set: { boundSum: sql`${modelEpochs.boundSum} + ${p('bound')}`, n: sql`${modelEpochs.n} + 1` },
        })
        .prepare(),
      modelStat: this.db
        .insert(modelStats)
        .values({
          ...modelKey,
          trials: 1,
          nllSum: p('nll'),
          nllSq: p('nllSq'),
          unitsSum: p('units'),
          unitsSq: p('unitsSq'),
          units1Sum: p('units1'),
          units2Sum: p('units2'),
          trainSeconds: p('trainSeconds'),
          evalSeconds: p('evalSeconds'),
        })
        .onConflictDoUpdate({
          target: [modelStats.sweepId, modelStats.layers, modelStats.objective, modelStats.k, modelStats.latent],
          set: {
            trials: sql`${modelStats.trials} + 1`,
            nllSum: sql`${modelStats.nllSum} + ${p('nll')}`,
            nllSq: sql`${modelStats.nllSq} + ${p('nllSq')}`,
            unitsSum: sql`${modelStats.unitsSum} + ${p('units')}`,
            unitsSq: sql`${modelStats.unitsSq} + ${p('unitsSq')}`,
            units1Sum: sql`${modelStats.units1Sum} + ${p('units1')}`,
            units2Sum: sql`${modelStats.units2Sum} + ${p('units2')}`,
            trainSeconds: sql`${modelStats.trainSeconds} + ${p('trainSeconds')}`,
            evalSeconds: sql`${modelStats.evalSeconds} + ${p('evalSeconds')}`,
          },
        })
        .prepare(),
      modelBound: this.db
        .insert(modelBounds)
        .values({ ...modelKey, evalK: p('evalK'), boundSum: p('bound'), n: 1 })
        .onConflictDoUpdate({
          target: [
            modelBounds.sweepId,
            modelBounds.layers,
            modelBounds.objective,
            modelBounds.k,
            modelBounds.latent,
            modelBounds.evalK,
          ],
          set: { boundSum: sql`${modelBounds.boundSum} + ${p('bound')}`, n: sql`${modelBounds.n} + 1` },
        })
        .prepare(),
      sweepRun: this.db
        .insert(sweepRuns)
        .values({ sweepId: p('sweepId'), host: p('host'), backend: p('backend'), gitSha: p('gitSha') })
        .onConflictDoNothing()
        .prepare(),
    };
  }

  /** Opens (creating and migrating if needed) a results DB. */
  static open(file: string, opts: { readonly?: boolean } = {}): ResultsDb {
    const rdb = new ResultsDb(file, opts.readonly ?? false);
    if (!rdb.readonly) {
      try {
        migrate(rdb.db, { migrationsFolder: MIGRATIONS });
      } catch (err) {
        rdb.close();
        throw new DbError(`applying migrations to ${file}`, '(migrations)', [], err);
      }
    }
    return rdb;
  }

  close(): void {
    if (!this.sqlite.open) return;
    // Refresh the planner's statistics where they are stale (writers, at close: ANALYZE takes the
    // write lock). Without them SQLite walks a whole sweep through the sweep_id index, one lookup
    // per trial, instead of scanning: 6× slower. Exact ones: sampled statistics (analysis_limit)
    // misjudge sweep_id, which is nearly constant.
    if (!this.readonly) this.sqlite.pragma('optimize');
    this.sqlite.close();
  }

  private run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ValidationError || err instanceof UnknownEntityError) throw err;
      const q = (err as { query?: string }).query;
      throw new DbError(what, q ?? '(statement)', [], err);
    }
  }

  // ---------------------------------------------------------------- writes

  /** Creates a sweep, or updates its spec and description if it exists. */
  saveSweep(input: SweepInput, now = Date.now()): void {
    this.run(`saving sweep ${input.id}`, () =>
      this.db
        .insert(sweeps)
        .values({
          id: input.id,
          description: input.description ?? null,
          specJson: stableStringify(input.spec),
          mode: input.mode,
          gitSha: input.gitSha ?? null,
          host: input.host ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: sweeps.id,
          set: {
            description: input.description ?? null,
            specJson: stableStringify(input.spec),
            mode: input.mode,
            gitSha: input.gitSha ?? null,
            updatedAt: now,
          },
        })
        .run(),
    );
  }

  setSweepState(sweepId: string, state: 'active' | 'paused' | 'cancelled', now = Date.now()): void {
    const res = this.run(`setting sweep ${sweepId} ${state}`, () =>
      this.db.update(sweeps).set({ state, updatedAt: now }).where(eq(sweeps.id, sweepId)).run(),
    );
    if (res.changes === 0) throw new UnknownEntityError('sweep', sweepId);
  }

  /** Adds a sweep's trials; trials already there (same id) are left as they are. */
  addTrials(sweepId: string, planned: PlannedTrial[], now = Date.now()): { added: number; existing: number } {
    let added = 0;
    this.run(`adding ${planned.length} trials to ${sweepId}`, () =>
      this.sqlite.transaction(() => {
        for (let i = 0; i < planned.length; i += 500) {
          const rows = planned.slice(i, i + 500).map((t) => ({
            id: t.id,
            sweepId,
            objective: t.config.objective,
            k: t.config.k,
            latent: t.config.latent,
            layers: t.config.layers,
            seed: t.config.seed,
            batchSize: t.config.batchSize,
            trainSize: t.config.trainSize,
            epochsTotal: totalEpochs(t.config.schedule),
            flops: t.flops,
            queuedAt: now,
            updatedAt: now,
          }));
          added += this.db.insert(trials).values(rows).onConflictDoNothing().run().changes;
          this.db
            .insert(trialConfigs)
            .values(planned.slice(i, i + 500).map((t) => ({ trialId: t.id, configJson: stableStringify(t.config) })))
            .onConflictDoNothing()
            .run();
        }
      })(),
    );
    return { added, existing: planned.length - added };
  }

  /** A worker took the trial: count the attempt. A finished trial stays finished. */
  trialStarted(trialId: string, info: TrialStart = {}, now = Date.now()): void {
    this.requireTrial(trialId);
    this.run(`marking ${trialId} running`, () =>
      this.st.started.run({
        id: trialId,
        now,
        host: info.host ?? null,
        backend: info.backend ?? null,
        workerId: info.workerId ?? null,
        gitSha: info.gitSha ?? null,
      }),
    );
  }

  trialPhase(trialId: string, phase: string, info: { backend?: string } = {}, now = Date.now()): void {
    this.run(`recording phase of ${trialId}`, () =>
      this.st.phase.run({ id: trialId, phase, backend: info.backend ?? null, now }),
    );
  }

  /** Records an epoch; returns false if it was already recorded (nothing changes then). */
  recordEpoch(trialId: string, metrics: EpochMetrics, now = Date.now()): boolean {
    const m = validate(epochMetricsSchema, metrics, `epoch metrics for trial ${trialId}`);
    const model = this.requireTrial(trialId);
    return this.run(`recording epoch ${m.epoch} of ${trialId}`, () =>
      this.sqlite.transaction(() => this.insertEpoch(trialId, model, m, now))(),
    );
  }

  private insertEpoch(trialId: string, model: ModelOf, m: EpochMetrics, now: number): boolean {
    const inserted = this.st.insertEpoch.run({ trialId, ...m, now }).changes > 0;
    if (inserted) {
      this.st.epochProgress.run({ id: trialId, epoch: m.epoch, trainBound: m.trainBound, now });
      const { sweepId, layers, objective, k, latent } = model;
      this.st.modelEpoch.run({ sweepId, layers, objective, k, latent, epoch: m.epoch, bound: m.trainBound });
    }
    return inserted;
  }

  /**
   * Records a finished trial: its result, per-K bounds and every epoch of its history (filling
   * any epoch whose message was lost). Returns false if the result was already recorded.
   */
  recordResult(trialId: string, result: TrialResult, now = Date.now()): boolean {
    const r = validate(trialResultSchema, result, `result of trial ${trialId}`);
    const model = this.requireTrial(trialId);
    return this.run(`recording the result of ${trialId}`, () =>
      this.sqlite.transaction(() => {
        for (const m of r.epochs) this.insertEpoch(trialId, model, m, now);
        // Only the first result counts; a duplicate (at-least-once delivery) changes nothing.
        const inserted =
          this.db
            .update(trials)
            .set({
              testNll: r.testNll,
              testBound: r.testBound,
              evalK: r.evalK,
              trainBound: r.trainBound,
              activeUnits: r.activeUnits,
              activeUnitsPerLayer: JSON.stringify(r.activeUnitsPerLayer),
              testBounds: JSON.stringify(r.testBoundsByK),
              examplesPerSecond: r.examplesPerSecond,
              trainSeconds: r.trainSeconds,
              evalSeconds: r.evalSeconds,
              gradient: r.gradient,
              resumedFromEpoch: r.resumedFromEpoch,
              resultRecordedAt: now,
              status: 'done',
              phase: 'done',
              epochsDone: r.epochs.length,
              lastTrainBound: r.trainBound,
              backend: r.backend,
              error: null,
              errorStack: null,
              finishedAt: now,
              updatedAt: now,
            })
            .where(and(eq(trials.id, trialId), sql`${trials.resultRecordedAt} is null`))
            .run().changes > 0;
        if (inserted) this.addToAggregates(model, r);
        return inserted;
      })(),
    );
  }

  private addToAggregates(model: ModelOf, r: TrialResult): void {
    const { sweepId, layers, objective, k, latent } = model;
    const key = { sweepId, layers, objective, k, latent };
    const u = r.activeUnitsPerLayer;
    this.st.modelStat.run({
      ...key,
      nll: r.testNll,
      nllSq: r.testNll * r.testNll,
      units: r.activeUnits,
      unitsSq: r.activeUnits * r.activeUnits,
      units1: u[0] ?? 0,
      units2: u[1] ?? 0,
      trainSeconds: r.trainSeconds,
      evalSeconds: r.evalSeconds,
    });
    this.st.modelBound.run({ ...key, evalK: r.evalK, bound: r.testBound });
    for (const [kk, bound] of Object.entries(r.testBoundsByK)) this.st.modelBound.run({ ...key, evalK: Number(kk), bound });
    this.st.sweepRun.run({ sweepId, host: model.host ?? '', backend: r.backend, gitSha: model.gitSha ?? '' });
  }

  /** Records a failure: final (status failed) or to be retried (back to queued). */
  trialFailed(
    trialId: string,
    error: { message: string; stack?: string | undefined },
    opts: { final: boolean },
    now = Date.now(),
  ): void {
    this.requireTrial(trialId);
    this.run(`recording the failure of ${trialId}`, () =>
      this.db
        .update(trials)
        .set({
          status: opts.final ? 'failed' : 'queued',
          error: error.message,
          errorStack: error.stack ?? null,
          finishedAt: opts.final ? now : null,
          updatedAt: now,
        })
        .where(and(eq(trials.id, trialId), ne(trials.status, 'done')))
        .run(),
    );
  }

  /** Sets the status of unfinished trials (requeue after a crash, cancel…); returns how many changed. */
  setTrialStatus(trialIds: string[], status: Exclude<TrialStatus, 'done'>, now = Date.now()): number {
    let changed = 0;
    this.run(`setting ${trialIds.length} trials ${status}`, () =>
      this.sqlite.transaction(() => {
        for (let i = 0; i < trialIds.length; i += 500) {
          changed += this.db
            .update(trials)
            .set({ status, updatedAt: now, ...(status === 'cancelled' ? { finishedAt: now } : {}) })
            .where(and(inArray(trials.id, trialIds.slice(i, i + 500)), ne(trials.status, 'done')))
            .run().changes;
        }
      })(),
    );
    return changed;
  }

  // ---------------------------------------------------------------- reads

  private requireTrial(trialId: string): ModelOf {
    const row = this.st.modelOf.get(trialId) as ModelOf | undefined;
    if (!row) throw new UnknownEntityError('trial', trialId);
    return row;
  }

  getSweep(sweepId: string): SweepRow | undefined {
    return this.db.select().from(sweeps).where(eq(sweeps.id, sweepId)).get();
  }

  getTrial(trialId: string): TrialRow | undefined {
    return this.db.select().from(trials).where(eq(trials.id, trialId)).get();
  }

  trialsOf(sweepId: string, statuses?: TrialStatus[]): TrialRow[] {
    const where = statuses ? and(eq(trials.sweepId, sweepId), inArray(trials.status, statuses)) : eq(trials.sweepId, sweepId);
    return this.db.select().from(trials).where(where).orderBy(sql`${trials.flops} desc`, trials.id).all();
  }

  /** Like {@link trialsOf}, with each trial's config (what a runner needs to run it). */
  trialsWithConfig(sweepId: string, statuses?: TrialStatus[]): TrialWithConfig[] {
    const where = statuses ? and(eq(trials.sweepId, sweepId), inArray(trials.status, statuses)) : eq(trials.sweepId, sweepId);
    return this.db
      .select({ trial: trials, configJson: trialConfigs.configJson })
      .from(trials)
      .innerJoin(trialConfigs, eq(trialConfigs.trialId, trials.id))
      .where(where)
      .orderBy(sql`${trials.flops} desc`, trials.id)
      .all()
      .map((r) => ({ ...r.trial, configJson: r.configJson }));
  }

  trialConfigJson(trialId: string): string | undefined {
    return this.db.select().from(trialConfigs).where(eq(trialConfigs.trialId, trialId)).get()?.configJson;
  }

  epochsOf(trialId: string): EpochRow[] {
    return this.db.select().from(epochs).where(eq(epochs.trialId, trialId)).orderBy(epochs.epoch).all();
  }

  /** Every epoch of a sweep's trials, for learning curves. */
  epochsOfSweep(sweepId: string): EpochRow[] {
    return this.sqlite
      .prepare(
        `select e.trial_id as trialId, e.epoch, e.train_bound as trainBound, e.seconds,
                e.examples_per_second as examplesPerSecond, e.learning_rate as learningRate, e.recorded_at as recordedAt
           from epochs e join trials t on t.id = e.trial_id
          where t.sweep_id = ? order by e.trial_id, e.epoch`,
      )
      .all(sweepId) as EpochRow[];
  }

  /** Sweeps with their trial counts by status, newest first. */
  sweepSummaries(sweepId?: string): SweepSummary[] {
    const rows = this.sqlite
      .prepare(
        `select s.id, s.description, s.spec_json as specJson, s.mode, s.state, s.git_sha as gitSha, s.host,
                s.created_at as createdAt, s.updated_at as updatedAt,
                count(t.id) as total,
                coalesce(sum(t.status = 'queued'), 0) as queued,
                coalesce(sum(t.status = 'running'), 0) as running,
                coalesce(sum(t.status = 'done'), 0) as done,
                coalesce(sum(t.status = 'failed'), 0) as failed,
                coalesce(sum(t.status = 'cancelled'), 0) as cancelled,
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
    return rows;
  }

  /** One row per trial with its result (if any), filtered and sorted on whitelisted columns. */
  results(q: ResultsQuery = {}): ResultRow[] {
    const { clause, params } = this.resultsWhere(q);
    const order = (q.sort ?? []).map((s) => `${RESULT_COLUMNS[s.column]} ${s.descending ? 'desc' : 'asc'} nulls last`);
    order.push('t.sweep_id', 't.layers', 't.objective', 't.k', 't.latent', 't.seed', 't.id');
    const page = [
      q.limit ? `limit ${Math.floor(q.limit)}` : q.offset ? 'limit -1' : '',
      q.offset ? `offset ${Math.floor(q.offset)}` : '',
    ];
    const text = `select t.sweep_id, t.id, t.status, t.objective, t.layers, t.k, t.latent, t.seed, t.batch_size, t.train_size,
              t.epochs_total, t.epochs_done, t.attempts, t.test_nll, t.test_bound, t.eval_k, t.train_bound, t.active_units,
              t.active_units_per_layer, t.examples_per_second, t.backend, t.host, t.error, t.test_bounds,
              t.worker_id, t.phase, t.last_train_bound, t.updated_at
         from trials t ${clause}
        order by ${order.join(', ')} ${page.join(' ')}`;
    let rows: unknown[][];
    try {
      // Arrays, not objects: better-sqlite3 builds row objects slowly, and this view can be 100k rows.
      rows = this.sqlite
        .prepare(text)
        .raw(true)
        .all(...params) as unknown[][];
    } catch (err) {
      throw new DbError('reading results', text, params, err);
    }
    return rows.map(
      (r): ResultRow => ({
        sweep: r[0] as string,
        trial: r[1] as string,
        status: r[2] as TrialStatus,
        objective: r[3] as string,
        layers: r[4] as number,
        k: r[5] as number,
        latent: r[6] as number,
        seed: r[7] as number,
        batchSize: r[8] as number,
        trainSize: r[9] as number,
        epochs: r[10] as number,
        epochsDone: r[11] as number,
        attempts: r[12] as number,
        testNll: r[13] as number | null,
        testBound: r[14] as number | null,
        evalK: r[15] as number | null,
        trainBound: r[16] as number | null,
        activeUnits: r[17] as number | null,
        activeUnitsPerLayer: r[18] ? (JSON.parse(r[18] as string) as number[]) : null,
        examplesPerSecond: r[19] as number | null,
        backend: r[20] as string | null,
        host: r[21] as string | null,
        error: r[22] as string | null,
        testBoundsByK: r[23] ? (JSON.parse(r[23] as string) as Record<string, number>) : {},
        worker: r[24] as string | null,
        phase: r[25] as string | null,
        lastTrainBound: r[26] as number | null,
        updatedAt: r[27] as number,
      }),
    );
  }

  /** How many rows {@link results} would return without limit and offset. */
  countResults(q: ResultsQuery = {}): number {
    const { clause, params } = this.resultsWhere(q);
    return (this.sqlite.prepare(`select count(*) as n from trials t ${clause}`).get(...params) as { n: number }).n;
  }

  private resultsWhere(q: ResultsQuery): { clause: string; params: (string | number)[] } {
    const clauses: string[] = [];
    const params: (string | number)[] = [];
    if (q.sweepId) {
      clauses.push('t.sweep_id = ?');
      params.push(q.sweepId);
    }
    for (const c of q.where ?? []) {
      clauses.push(`${RESULT_COLUMNS[c.column]} ${c.op === '!=' ? 'is not' : c.op === '=' ? 'is' : c.op} ?`);
      params.push(c.value);
    }
    return { clause: clauses.length > 0 ? `where ${clauses.join(' and ')}` : '', params };
  }

  /** The paper's Table 1 for a sweep: NLL and active units by model × K × objective, over seeds. */
  paperTable(sweepId: string): PaperTableRow[] {
    const rows = this.db.select().from(modelStats).where(eq(modelStats.sweepId, sweepId)).all();
    const sd = (sum: number, sq: number, n: number) => (n > 1 ? Math.sqrt(Math.max(0, (sq - (sum * sum) / n) / (n - 1))) : null);
    return rows
      .map((m) => ({
        layers: m.layers,
        objective: m.objective,
        k: m.k,
        latent: m.latent,
        trials: m.trials,
        nllMean: m.nllSum / m.trials,
        nllSd: sd(m.nllSum, m.nllSq, m.trials),
        unitsMean: m.unitsSum / m.trials,
        unitsSd: sd(m.unitsSum, m.unitsSq, m.trials),
        unitsPerLayerMean: (m.layers === 1 ? [m.units1Sum] : [m.units1Sum, m.units2Sum]).map((u) => u / m.trials),
      }))
      .sort((a, b) => a.layers - b.layers || a.latent - b.latent || a.k - b.k || a.objective.localeCompare(b.objective));
  }

  /** Per model, the mean test bound at each evaluation k. */
  modelBounds(sweepId: string): (ModelKeyRow & { evalK: number; bound: number })[] {
    return this.db
      .select()
      .from(modelBounds)
      .where(eq(modelBounds.sweepId, sweepId))
      .all()
      .map((b) => ({
        layers: b.layers,
        objective: b.objective,
        k: b.k,
        latent: b.latent,
        evalK: b.evalK,
        bound: b.boundSum / b.n,
      }));
  }

  /** Per model, the mean training bound at each epoch (over the trials that reached it). */
  modelEpochs(sweepId: string): (ModelKeyRow & { epoch: number; bound: number; trials: number })[] {
    return this.db
      .select()
      .from(modelEpochs)
      .where(eq(modelEpochs.sweepId, sweepId))
      .all()
      .map((e) => ({
        layers: e.layers,
        objective: e.objective,
        k: e.k,
        latent: e.latent,
        epoch: e.epoch,
        bound: e.boundSum / e.n,
        trials: e.n,
      }));
  }

  /** Hosts, backends and code versions that finished trials of a sweep, and total compute. */
  sweepRunInfo(sweepId: string): {
    hosts: string[];
    backends: string[];
    gitShas: string[];
    trainSeconds: number;
    evalSeconds: number;
  } {
    const runs = this.db.select().from(sweepRuns).where(eq(sweepRuns.sweepId, sweepId)).all();
    const totals = this.sqlite
      .prepare(
        'select coalesce(sum(train_seconds), 0) as t, coalesce(sum(eval_seconds), 0) as e from model_stats where sweep_id = ?',
      )
      .get(sweepId) as { t: number; e: number };
    const distinct = (f: (r: (typeof runs)[number]) => string) => [...new Set(runs.map(f).filter((v) => v !== ''))];
    return {
      hosts: distinct((r) => r.host),
      backends: distinct((r) => r.backend),
      gitShas: distinct((r) => r.gitSha),
      trainSeconds: totals.t,
      evalSeconds: totals.e,
    };
  }
}

function validate<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(source, zodProblems(parsed.error, value));
  return parsed.data;
}
