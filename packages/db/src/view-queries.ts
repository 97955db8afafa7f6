import { and, asc, count, desc, eq, gt, inArray, isNotNull, max } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { DbConnection } from './connection.ts';
import { epochs, trials } from './schema.ts';

/** SQLite allows 32766 bound parameters; lists of trial ids are read in chunks well below it. */
const CHUNK = 500;

function chunked<T>(ids: readonly string[], read: (chunk: string[]) => T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...read(ids.slice(i, i + CHUNK)));
  return out;
}

/** What names a trial on a page ("miwae 1L M=5 × K=10 z=50 s0"), with its state. */
const summaryColumns = {
  id: trials.id,
  objective: trials.objective,
  layers: trials.layers,
  k: trials.k,
  m: trials.m,
  latent: trials.latent,
  seed: trials.seed,
  groupId: trials.groupId,
  status: trials.status,
  epochsTotal: trials.epochsTotal,
  stopEpoch: trials.stopEpoch,
};
export type TrialSummary = Pick<
  typeof trials.$inferSelect,
  'id' | 'objective' | 'layers' | 'k' | 'm' | 'latent' | 'seed' | 'groupId' | 'status' | 'epochsTotal' | 'stopEpoch'
>;

/** One epoch's figures for learning curves (nulls: not recorded by that trial). */
export interface EpochPoint {
  trialId: string;
  epoch: number;
  trainBound: number;
  trainElbo: number | null;
  trainIwae: number | null;
  validationBound: number | null;
  /** When the epoch was written (ms, the writer's clock). */
  recordedAt: number;
}

/**
 * The reads behind the report's and the dashboard's views that the results view does not cover:
 * the early-stopping plot's trials and curves, the failed and reused trials, live epochs.
 */
export class ViewQueries {
  constructor(private readonly conn: DbConnection) {}

  /** How many trials a sweep has, and the most epochs any of them trains (0 for none). */
  sweepSpan(sweepId: string): { trials: number; longestEpochs: number } {
    const row = this.conn.db
      .select({ n: count(), longest: max(trials.epochsTotal) })
      .from(trials)
      .where(eq(trials.sweepId, sweepId))
      .get();
    return { trials: row?.n ?? 0, longestEpochs: row?.longest ?? 0 };
  }

  /** The `limit` trials of a sweep that trained the most epochs (ties by id). */
  furthestTrials(sweepId: string, limit: number): TrialSummary[] {
    return this.conn.db
      .select(summaryColumns)
      .from(trials)
      .where(eq(trials.sweepId, sweepId))
      .orderBy(desc(trials.epochsDone), asc(trials.id))
      .limit(limit)
      .all();
  }

  /** These trials of a sweep (those of another sweep are left out). */
  trialSummaries(sweepId: string, ids: readonly string[]): TrialSummary[] {
    return chunked(ids, (chunk) =>
      this.conn.db
        .select(summaryColumns)
        .from(trials)
        .where(and(eq(trials.sweepId, sweepId), inArray(trials.id, chunk)))
        .all(),
    );
  }

  /** Each trial's validation bound per epoch, where recorded, by trial then epoch. */
  validationCurves(trialIds: readonly string[]): { trialId: string; epoch: number; validationBound: number }[] {
    return chunked(trialIds, (chunk) =>
      this.conn.db
        .select({ trialId: epochs.trialId, epoch: epochs.epoch, validationBound: epochs.validationBound })
        .from(epochs)
        .where(and(inArray(epochs.trialId, chunk), isNotNull(epochs.validationBound)))
        .orderBy(asc(epochs.trialId), asc(epochs.epoch))
        .all()
        .flatMap((r) => (r.validationBound === null ? [] : [{ ...r, validationBound: r.validationBound }])),
    );
  }

  /** The failed trials of a sweep with their error, the first `limit` by id. */
  failedTrials(sweepId: string, limit: number): (TrialSummary & { error: string | null })[] {
    return this.conn.db
      .select({ ...summaryColumns, error: trials.error })
      .from(trials)
      .where(and(eq(trials.sweepId, sweepId), eq(trials.status, 'failed')))
      .orderBy(asc(trials.id))
      .limit(limit)
      .all();
  }

  /**
   * Trials of a sweep whose result was copied (`--reuse`), the first `limit` by id, each with the
   * trial it was copied from and that trial's sweep (null if that sweep is no longer in the DB).
   */
  reusedTrials(sweepId: string, limit: number): (TrialSummary & { fromTrial: string; fromSweep: string | null })[] {
    const original = alias(trials, 'original');
    return this.conn.db
      .select({ ...summaryColumns, fromTrial: trials.reusedFrom, fromSweep: original.sweepId })
      .from(trials)
      .leftJoin(original, eq(original.id, trials.reusedFrom))
      .where(and(eq(trials.sweepId, sweepId), isNotNull(trials.reusedFrom)))
      .orderBy(asc(trials.id))
      .limit(limit)
      .all()
      .flatMap((r) => (r.fromTrial === null ? [] : [{ ...r, fromTrial: r.fromTrial }]));
  }

  /** How many trials of a sweep had their result copied (`--reuse`). */
  reusedCount(sweepId: string): number {
    return (
      this.conn.db
        .select({ n: count() })
        .from(trials)
        .where(and(eq(trials.sweepId, sweepId), isNotNull(trials.reusedFrom)))
        .get()?.n ?? 0
    );
  }

  /** Epochs recorded after `since` (ms) by some trials, by trial then epoch (live curves). */
  epochsSince(trialIds: readonly string[], since: number): EpochPoint[] {
    return chunked(trialIds, (chunk) =>
      this.conn.db
        .select({
          trialId: epochs.trialId,
          epoch: epochs.epoch,
          trainBound: epochs.trainBound,
          trainElbo: epochs.trainElbo,
          trainIwae: epochs.trainIwae,
          validationBound: epochs.validationBound,
          recordedAt: epochs.recordedAt,
        })
        .from(epochs)
        .where(and(inArray(epochs.trialId, chunk), gt(epochs.recordedAt, since)))
        .orderBy(asc(epochs.trialId), asc(epochs.epoch))
        .all(),
    );
  }

  /** Epochs recorded after `since` (ms), all sweeps (the epochs-per-second metric). */
  epochsRecordedSince(since: number): number {
    return this.conn.db.select({ n: count() }).from(epochs).where(gt(epochs.recordedAt, since)).get()?.n ?? 0;
  }
}
