import type { EpochMetrics, PlannedTrial, TrialConfig, TrialResult } from '@iwae-sweep/core';
import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { Aggregates } from './aggregates.ts';
import { DbConnection } from './connection.ts';
import type {
  EpochRow,
  ModelKeyRow,
  PaperTableRow,
  ResultRow,
  ResultsQuery,
  SweepInput,
  SweepRow,
  SweepRunInfo,
  SweepSummary,
  TrialRow,
  TrialStart,
  TrialWithConfig,
} from './db-types.ts';
import { ResultQueries } from './result-queries.ts';
import type * as schema from './schema.ts';
import type { TrialStatus } from './schema.ts';
import { TrialWrites } from './trial-writes.ts';

/**
 * The results database: one SQLite file, schema applied by migrations on open. A thin front over
 * its parts: the connection, the trial writes (idempotent, validated), the per-model aggregates,
 * and the result queries.
 */
export class ResultsDb {
  private readonly aggregates: Aggregates;
  private readonly writes: TrialWrites;
  private readonly queries: ResultQueries;

  private constructor(private readonly conn: DbConnection) {
    this.aggregates = new Aggregates(conn);
    this.writes = new TrialWrites(conn, this.aggregates);
    this.queries = new ResultQueries(conn);
  }

  /** Opens (creating and migrating if needed) a results DB. */
  static open(file: string, opts: { readonly?: boolean } = {}): ResultsDb {
    const conn = new DbConnection(file, opts.readonly ?? false);
    if (!conn.readonly) conn.migrate();
    return new ResultsDb(conn);
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
  setTrialStatus(trialIds: string[], status: Exclude<TrialStatus, 'done'>, now = Date.now()): number {
    return this.writes.setTrialStatus(trialIds, status, now);
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
  sweepSummaries(sweepId?: string): SweepSummary[] {
    return this.queries.sweepSummaries(sweepId);
  }
  results(q: ResultsQuery = {}): ResultRow[] {
    return this.queries.results(q);
  }
  countResults(q: ResultsQuery = {}): number {
    return this.queries.countResults(q);
  }

  // aggregates
  paperTable(sweepId: string): PaperTableRow[] {
    return this.aggregates.paperTable(sweepId);
  }
  modelBounds(sweepId: string): (ModelKeyRow & { evalK: number; bound: number })[] {
    return this.aggregates.modelBounds(sweepId);
  }
  modelEpochs(sweepId: string): (ModelKeyRow & { epoch: number; bound: number; trials: number })[] {
    return this.aggregates.modelEpochs(sweepId);
  }
  sweepRunInfo(sweepId: string): SweepRunInfo {
    return this.aggregates.sweepRunInfo(sweepId);
  }
}
