import type { TrialResult } from '@iwae-sweep/core';
import { eq, sql } from 'drizzle-orm';
import type { DbConnection } from './connection.ts';
import type { ModelKeyRow, ModelOf, PaperTableRow, SweepRunInfo } from './db-types.ts';
import { modelBounds, modelEpochs, modelStats, sweepRuns } from './schema.ts';

/**
 * Per-model aggregates, updated in the writer's transaction when an epoch or a result is new
 * (so at-least-once delivery cannot count twice), and read by reports and the dashboard: their
 * cost grows with the number of models, not of trials.
 */
export class Aggregates {
  private stmts: ReturnType<Aggregates['prepare']> | undefined;

  constructor(private readonly conn: DbConnection) {}

  /** Prepared once: building and compiling the upserts per call cost ~10× the write itself. */
  private get st() {
    this.stmts ??= this.prepare();
    return this.stmts;
  }

  private prepare() {
    const { db } = this.conn;
    const p = sql.placeholder;
    const modelKey = { sweepId: p('sweepId'), layers: p('layers'), objective: p('objective'), k: p('k'), latent: p('latent') };
    return {
      modelEpoch: db
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
      modelStat: db
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
      modelBound: db
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
      sweepRun: db
        .insert(sweepRuns)
        .values({ sweepId: p('sweepId'), host: p('host'), backend: p('backend'), gitSha: p('gitSha') })
        .onConflictDoNothing()
        .prepare(),
    };
  }

  /** A new epoch of a trial of this model (call inside the writer's transaction). */
  addEpoch(model: ModelOf, epoch: number, bound: number): void {
    const { sweepId, layers, objective, k, latent } = model;
    this.st.modelEpoch.run({ sweepId, layers, objective, k, latent, epoch, bound });
  }

  /** A new result of a trial of this model (call inside the writer's transaction). */
  addResult(model: ModelOf, r: TrialResult): void {
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

  /** The paper's Table 1 for a sweep: NLL and active units by model × K × objective, over seeds. */
  paperTable(sweepId: string): PaperTableRow[] {
    const rows = this.conn.db.select().from(modelStats).where(eq(modelStats.sweepId, sweepId)).all();
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
    return this.conn.db
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
    return this.conn.db
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
  sweepRunInfo(sweepId: string): SweepRunInfo {
    const runs = this.conn.db.select().from(sweepRuns).where(eq(sweepRuns.sweepId, sweepId)).all();
    const totals = this.conn.sqlite
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
