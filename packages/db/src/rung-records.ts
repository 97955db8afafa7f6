import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { DbConnection } from './connection.ts';
import { UnknownEntityError } from './errors.ts';
import { trialRungs, trials } from './schema.ts';

export type RungRow = typeof trialRungs.$inferSelect;
export type RungInput = Omit<RungRow, 'decidedAt'>;

/**
 * The early-stopping record: rung results, the decisions taken on them, and stopped trials. A
 * decision is written once per trial and epoch; a second delivery of the same epoch reads the
 * first decision back instead of judging again, so every reader sees one history.
 */
export class RungRecords {
  private stmts: ReturnType<RungRecords['prepare']> | undefined;

  constructor(private readonly conn: DbConnection) {}

  private get st() {
    this.stmts ??= this.prepare();
    return this.stmts;
  }

  private prepare() {
    const { sqlite } = this.conn;
    return {
      // Arrival order is rowid order: the order in which decisions were written.
      others: sqlite.prepare<[string, number, string], { metric: number }>(
        'select metric from trial_rungs where sweep_id = ? and epoch = ? and trial_id != ? order by rowid',
      ),
      one: sqlite.prepare<[string, number], { stop: number; reason: string }>(
        'select stop, reason from trial_rungs where trial_id = ? and epoch = ?',
      ),
      anyStop: sqlite.prepare<[string], { epoch: number }>(
        'select epoch from trial_rungs where trial_id = ? and stop = 1 limit 1',
      ),
    };
  }

  /** Validation bounds that other trials of the sweep recorded at this epoch, in arrival order. */
  metricsAt(sweepId: string, epoch: number, exceptTrialId: string): number[] {
    return this.st.others.all(sweepId, epoch, exceptTrialId).map((r) => r.metric);
  }

  /** The decision already taken for this trial at this epoch, if any. */
  decisionAt(trialId: string, epoch: number): { stop: boolean; reason: string } | undefined {
    const row = this.st.one.get(trialId, epoch);
    return row ? { stop: row.stop === 1, reason: row.reason } : undefined;
  }

  /** Whether the rule ever stopped this trial (a resumed stopped trial is not judged again). */
  wasStopped(trialId: string): boolean {
    return this.st.anyStop.get(trialId) !== undefined;
  }

  /**
   * Judges and records in one transaction: `judge` sees the metrics recorded before this one,
   * and the decision it returns is written with them. Returns the recorded decision (the first
   * one, if this trial and epoch were judged already).
   */
  judgeOnce(
    row: Omit<RungInput, 'stop' | 'reason'>,
    judge: (others: number[]) => { stop: boolean; reason: string },
    now = Date.now(),
  ): { stop: boolean; reason: string } {
    return this.conn.guard(`recording rung ${row.rung} of ${row.trialId}`, () =>
      this.conn.sqlite.transaction(() => {
        const existing = this.decisionAt(row.trialId, row.epoch);
        if (existing) return existing;
        const decision = judge(this.metricsAt(row.sweepId, row.epoch, row.trialId));
        this.conn.db
          .insert(trialRungs)
          .values({ ...row, ...decision, decidedAt: now })
          .run();
        return decision;
      })(),
    );
  }

  rungsOf(trialId: string): RungRow[] {
    return this.conn.db.select().from(trialRungs).where(eq(trialRungs.trialId, trialId)).orderBy(asc(trialRungs.epoch)).all();
  }

  rungsOfSweep(sweepId: string): RungRow[] {
    return this.conn.db
      .select()
      .from(trialRungs)
      .where(eq(trialRungs.sweepId, sweepId))
      .orderBy(asc(trialRungs.epoch), sql`rowid`)
      .all();
  }

  /** Ends a trial early: status stopped, with where and why. A finished trial stays finished. */
  trialStopped(trialId: string, stop: { epoch: number; metric: number | null; reason: string }, now = Date.now()): void {
    this.conn.guard(`recording that ${trialId} stopped`, () => {
      const changes = this.conn.db
        .update(trials)
        .set({
          status: 'stopped',
          stopEpoch: stop.epoch,
          stopMetric: stop.metric,
          stopReason: stop.reason,
          finishedAt: now,
          updatedAt: now,
        })
        .where(and(eq(trials.id, trialId), ne(trials.status, 'done')))
        .run().changes;
      if (changes === 0 && !this.conn.db.select({ id: trials.id }).from(trials).where(eq(trials.id, trialId)).get()) {
        throw new UnknownEntityError('trial', trialId);
      }
    });
  }
}
