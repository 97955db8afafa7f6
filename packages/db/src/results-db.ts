import type { EpochMetrics, PlannedTrial, TrialConfig, TrialResult } from '@iwae-sweep/core';
import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { Aggregates } from './aggregates.ts';
import { ensureAnalysisViews } from './analysis-views.ts';
import type { ConfigValue } from './config-columns.ts';
import { DbConnection } from './connection.ts';
import { checkDbFile } from './db-file.ts';
import type {
  EpochRow,
  GroupEpochRow,
  PaperTableRow,
  ResultRow,
  ResultsQuery,
  SweepInput,
  SweepRow,
  SweepRunInfo,
  SweepSummary,
  TrialRow,
  TrialSnrRow,
  TrialStart,
  TrialWithConfig,
} from './db-types.ts';
import { backfillGroups } from './group-backfill.ts';
import { ResultQueries } from './result-queries.ts';
import { RungRecords } from './rung-records.ts';
import type * as schema from './schema.ts';
import type { TrialStatus } from './schema.ts';
import { type ReuseMatch, type ReuseRules, TrialReuse } from './trial-reuse.ts';
import { TrialWrites } from './trial-writes.ts';
import { ViewQueries } from './view-queries.ts';

/** Tries to open a file other processes are setting up at the same moment (about 4 s in all). */
const OPEN_ATTEMPTS = 20;

/**
 * Whether opening failed because another process was setting up the same file at that moment:
 * switching to WAL or upgrading a read to a write fails at once with "database is locked" (SQLite
 * does not wait on its busy timeout there), and drizzle reads the applied migrations outside its
 * transaction, so the second of two processes migrating a new file re-applies the first's
 * ("table … already exists"), rolled back.
 */
function openContention(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
    if (/already exists|database is locked/.test(e.message)) return true;
  }
  return false;
}

/**
 * The results database: one SQLite file, schema applied by migrations on open. A thin front over
 * its parts: the connection, the trial writes (idempotent, validated), the per-model aggregates,
 * and the result queries.
 */
export class ResultsDb {
  private readonly aggregates: Aggregates;
  private readonly writes: TrialWrites;
  private readonly queries: ResultQueries;
  private readonly reuse: TrialReuse;
  /** Early stopping: rung results, decisions and stopped trials. */
  readonly rungs: RungRecords;
  /** The reads behind the report's and the dashboard's views beside the results view. */
  readonly views: ViewQueries;

  private constructor(private readonly conn: DbConnection) {
    this.aggregates = new Aggregates(conn);
    this.writes = new TrialWrites(conn, this.aggregates);
    this.queries = new ResultQueries(conn);
    this.reuse = new TrialReuse(conn, this.aggregates);
    this.rungs = new RungRecords(conn);
    this.views = new ViewQueries(conn);
  }

  /** Opens (creating and migrating if needed) a results DB. */
  static open(file: string, opts: { readonly?: boolean } = {}): ResultsDb {
    // Before anything opens it: a directory or a foreign file gets one clear line, and stays as it was.
    checkDbFile(file, { mustExist: opts.readonly ?? false });
    // A reader of a file written by older code upgrades it first (briefly taking the write lock).
    if (opts.readonly && DbConnection.needsUpgrade(file)) ResultsDb.open(file).close();
    for (let attempt = 1; ; attempt++) {
      let conn: DbConnection | undefined;
      try {
        const c = new DbConnection(file, opts.readonly ?? false);
        conn = c;
        const rdb = new ResultsDb(c);
        if (!c.readonly) {
          c.migrate();
          backfillGroups(c, rdb.aggregates);
          c.guard('creating the analysis views', () => ensureAnalysisViews(c.sqlite));
        }
        return rdb;
      } catch (err) {
        if (conn?.sqlite.open) conn.sqlite.close(); // not close(): its ANALYZE would want the lock
        if (attempt >= OPEN_ATTEMPTS || !openContention(err)) throw err;
        // Another process setting up the same new file: wait a moment and read what it did.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 * attempt);
      }
    }
  }

  get file(): string {
    return this.conn.file;
  }
  get readonly(): boolean {
    return this.conn.readonly;
  }
  get sqlite(): Database.Database {
    return this.conn.sqlite;
  }
  get db(): BetterSQLite3Database<typeof schema> {
    return this.conn.db;
  }

  close(): void {
    this.conn.close();
  }

  // writes
  saveSweep(input: SweepInput, now = Date.now()): void {
    this.writes.saveSweep(input, now);
  }
  setSweepState(sweepId: string, state: 'active' | 'paused' | 'cancelled', now = Date.now()): void {
    this.writes.setSweepState(sweepId, state, now);
  }
  addTrials(sweepId: string, planned: PlannedTrial[], now = Date.now()): { added: number; existing: number } {
    return this.writes.addTrials(sweepId, planned, now);
  }
  trialStarted(trialId: string, info: TrialStart = {}, now = Date.now()): void {
    this.writes.trialStarted(trialId, info, now);
  }
  trialPhase(trialId: string, phase: string, info: { backend?: string } = {}, now = Date.now()): void {
    this.writes.trialPhase(trialId, phase, info, now);
  }
  recordEpoch(trialId: string, metrics: EpochMetrics, now = Date.now()): boolean {
    return this.writes.recordEpoch(trialId, metrics, now);
  }
  recordResult(trialId: string, result: TrialResult, now = Date.now()): boolean {
    return this.writes.recordResult(trialId, result, now);
  }
  trialFailed(
    trialId: string,
    error: { message: string; stack?: string | undefined },
    opts: { final: boolean },
    now = Date.now(),
  ): void {
    this.writes.trialFailed(trialId, error, opts, now);
  }
  retireRenamedTrials(sweepId: string, planIds: ReadonlySet<string>, now = Date.now()): number {
    return this.writes.retireRenamedTrials(sweepId, planIds, now);
  }
  setTrialStatus(trialIds: string[], status: Exclude<TrialStatus, 'done'>, now = Date.now()): number {
    return this.writes.setTrialStatus(trialIds, status, now);
  }

  /** Trials of `sweepId` that a finished identical trial of another sweep can fill (see TrialReuse). */
  findReusable(sweepId: string, trials: readonly { id: string; config: TrialConfig }[], rules: ReuseRules): ReuseMatch[] {
    return this.reuse.find(sweepId, trials, rules);
  }
  /** Finished identical trials of other sweeps under any code version or backend (to explain, never to reuse). */
  findIdenticalAnyVersion(sweepId: string, trials: readonly { id: string; config: TrialConfig }[]): ReuseMatch[] {
    return this.reuse.findAnyVersion(sweepId, trials);
  }
  /** Copies the matches' results into their (queued, never started) trials; returns those copied. */
  reuseTrials(matches: readonly ReuseMatch[], now = Date.now()): string[] {
    return this.reuse.apply(matches, now);
  }

  // reads
  getSweep(sweepId: string): SweepRow | undefined {
    return this.queries.getSweep(sweepId);
  }
  getTrial(trialId: string): TrialRow | undefined {
    return this.queries.getTrial(trialId);
  }
  trialsOf(sweepId: string, statuses?: TrialStatus[]): TrialRow[] {
    return this.queries.trialsOf(sweepId, statuses);
  }
  trialsWithConfig(sweepId: string, statuses?: TrialStatus[]): TrialWithConfig[] {
    return this.queries.trialsWithConfig(sweepId, statuses);
  }
  trialConfig(trialId: string): TrialConfig | undefined {
    return this.queries.trialConfig(trialId);
  }
  epochsOf(trialId: string): EpochRow[] {
    return this.queries.epochsOf(trialId);
  }
  epochsOfSweep(sweepId: string): EpochRow[] {
    return this.queries.epochsOfSweep(sweepId);
  }
  /** Finished trials' gradient SNR after training (those that measured it). */
  trialSnrs(sweepId: string): TrialSnrRow[] {
    return this.queries.trialSnrs(sweepId);
  }
  /** The backend each worker's trials last resolved to (workers without one absent). */
  workerBackends(workerIds: readonly string[]): Map<string, string> {
    return this.queries.workerBackends(workerIds);
  }
  sweepSummaries(sweepId?: string): SweepSummary[] {
    return this.queries.sweepSummaries(sweepId);
  }
  results(q: ResultsQuery = {}): ResultRow[] {
    return this.queries.results(q);
  }
  epochResults(q: ResultsQuery = {}): Record<string, ConfigValue>[] {
    return this.queries.epochResults(q);
  }
  countResults(q: ResultsQuery = {}): number {
    return this.queries.countResults(q);
  }

  // aggregates
  paperTable(sweepId: string): PaperTableRow[] {
    return this.aggregates.paperTable(sweepId);
  }
  groupBounds(sweepId: string): { groupId: string; evalK: number; bound: number }[] {
    return this.aggregates.groupBounds(sweepId);
  }
  groupEpochs(sweepId: string): GroupEpochRow[] {
    return this.aggregates.groupEpochs(sweepId);
  }
  groups(sweepId: string): { groupId: string; config: Omit<TrialConfig, 'seed'>; trials: number }[] {
    return this.aggregates.groups(sweepId);
  }
  /** Recomputes a sweep's aggregates from its trial rows (they are otherwise kept incrementally). */
  rebuildAggregates(sweepId: string): void {
    this.conn.guard(`rebuilding the aggregates of ${sweepId}`, () =>
      this.sqlite.transaction(() => this.aggregates.rebuild(sweepId))(),
    );
  }
  sweepRunInfo(sweepId: string): SweepRunInfo {
    return this.aggregates.sweepRunInfo(sweepId);
  }
}
