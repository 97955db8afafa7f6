import type { EpochMetrics, TrialConfig, TrialResult } from '@iwae-sweep/core';
import { eq, sql } from 'drizzle-orm';
import type { DbConnection } from './connection.ts';
import type { GroupEpochRow, ModelOf, PaperTableRow, SweepRunInfo } from './db-types.ts';
import { groupBounds, groupEpochs, groupStats, sweepRuns } from './schema.ts';
import { decodeTrialConfig } from './trial-config-codec.ts';

/** The parts of a result the aggregates sum (a copied result has these, not a whole TrialResult). */
export type AggregatedResult = Pick<
  TrialResult,
  | 'testNll'
  | 'testBound'
  | 'evalK'
  | 'testBoundsByK'
  | 'activeUnits'
  | 'activeUnitsPerLayer'
  | 'trainSeconds'
  | 'evalSeconds'
  | 'testJackknife'
  | 'testEssMean'
  | 'testEssMedian'
  | 'backend'
>;

/**
 * Per-config-group aggregates, updated in the writer's transaction when an epoch or a result is new
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
    const groupKey = { sweepId: p('sweepId'), groupId: p('groupId') };
    return {
      groupEpoch: db
        .insert(groupEpochs)
        .values({
          ...groupKey,
          epoch: p('epoch'),
          boundSum: p('bound'),
          n: 1,
          elboSum: p('elbo'),
          iwaeSum: p('iwae'),
          trainN: p('trainN'),
          validationSum: p('validation'),
          validationN: p('validationN'),
        })
        .onConflictDoUpdate({
          target: [groupEpochs.sweepId, groupEpochs.groupId, groupEpochs.epoch],
          set: {
            boundSum: sql`${groupEpochs.boundSum} + ${p('bound')}`,
            n: sql`${groupEpochs.n} + 1`,
            elboSum: sql`${groupEpochs.elboSum} + ${p('elbo')}`,
            iwaeSum: sql`${groupEpochs.iwaeSum} + ${p('iwae')}`,
            trainN: sql`${groupEpochs.trainN} + ${p('trainN')}`,
            validationSum: sql`${groupEpochs.validationSum} + ${p('validation')}`,
            validationN: sql`${groupEpochs.validationN} + ${p('validationN')}`,
          },
        })
        .prepare(),
      groupStat: db
        .insert(groupStats)
        .values({
          ...groupKey,
          layers: p('layers'),
          objective: p('objective'),
          k: p('k'),
          latent: p('latent'),
          trials: 1,
          nllSum: p('nll'),
          nllSq: p('nllSq'),
          unitsSum: p('units'),
          unitsSq: p('unitsSq'),
          units1Sum: p('units1'),
          units2Sum: p('units2'),
          trainSeconds: p('trainSeconds'),
          evalSeconds: p('evalSeconds'),
          jackknifeSum: p('jackknife'),
          essMeanSum: p('essMean'),
          essMedianSum: p('essMedian'),
          estimatesN: p('estimatesN'),
        })
        .onConflictDoUpdate({
          target: [groupStats.sweepId, groupStats.groupId],
          set: {
            trials: sql`${groupStats.trials} + 1`,
            nllSum: sql`${groupStats.nllSum} + ${p('nll')}`,
            nllSq: sql`${groupStats.nllSq} + ${p('nllSq')}`,
            unitsSum: sql`${groupStats.unitsSum} + ${p('units')}`,
            unitsSq: sql`${groupStats.unitsSq} + ${p('unitsSq')}`,
            units1Sum: sql`${groupStats.units1Sum} + ${p('units1')}`,
            units2Sum: sql`${groupStats.units2Sum} + ${p('units2')}`,
            trainSeconds: sql`${groupStats.trainSeconds} + ${p('trainSeconds')}`,
            evalSeconds: sql`${groupStats.evalSeconds} + ${p('evalSeconds')}`,
            jackknifeSum: sql`${groupStats.jackknifeSum} + ${p('jackknife')}`,
            essMeanSum: sql`${groupStats.essMeanSum} + ${p('essMean')}`,
            essMedianSum: sql`${groupStats.essMedianSum} + ${p('essMedian')}`,
            estimatesN: sql`${groupStats.estimatesN} + ${p('estimatesN')}`,
          },
        })
        .prepare(),
      groupBound: db
        .insert(groupBounds)
        .values({ ...groupKey, evalK: p('evalK'), boundSum: p('bound'), n: 1 })
        .onConflictDoUpdate({
          target: [groupBounds.sweepId, groupBounds.groupId, groupBounds.evalK],
          set: { boundSum: sql`${groupBounds.boundSum} + ${p('bound')}`, n: sql`${groupBounds.n} + 1` },
        })
        .prepare(),
      sweepRun: db
        .insert(sweepRuns)
        .values({ sweepId: p('sweepId'), host: p('host'), backend: p('backend'), gitSha: p('gitSha') })
        .onConflictDoNothing()
        .prepare(),
    };
  }

  /** A new epoch of a trial of this group (call inside the writer's transaction). */
  addEpoch(model: ModelOf, m: EpochMetrics): void {
    // Epochs from before both training bounds (or without validation) add to the sums with n 0.
    const both = m.trainElbo !== undefined && m.trainIwae !== undefined;
    this.st.groupEpoch.run({
      sweepId: model.sweepId,
      groupId: model.groupId,
      epoch: m.epoch,
      bound: m.trainBound,
      elbo: both ? m.trainElbo : 0,
      iwae: both ? m.trainIwae : 0,
      trainN: both ? 1 : 0,
      validation: m.validationBound ?? 0,
      validationN: m.validationBound === undefined ? 0 : 1,
    });
  }

  /** A new result of a trial of this group (call inside the writer's transaction). */
  addResult(model: ModelOf, r: AggregatedResult): void {
    const { sweepId, groupId, layers, objective, k, latent } = model;
    const key = { sweepId, groupId };
    const u = r.activeUnitsPerLayer;
    this.st.groupStat.run({
      ...key,
      layers,
      objective,
      k,
      latent,
      nll: r.testNll,
      nllSq: r.testNll * r.testNll,
      units: r.activeUnits,
      unitsSq: r.activeUnits * r.activeUnits,
      units1: u[0] ?? 0,
      units2: u[1] ?? 0,
      trainSeconds: r.trainSeconds,
      evalSeconds: r.evalSeconds,
      ...(r.testJackknife !== undefined && r.testEssMean !== undefined && r.testEssMedian !== undefined
        ? { jackknife: r.testJackknife, essMean: r.testEssMean, essMedian: r.testEssMedian, estimatesN: 1 }
        : { jackknife: 0, essMean: 0, essMedian: 0, estimatesN: 0 }),
    });
    this.st.groupBound.run({ ...key, evalK: r.evalK, bound: r.testBound });
    for (const [kk, bound] of Object.entries(r.testBoundsByK)) this.st.groupBound.run({ ...key, evalK: Number(kk), bound });
    this.st.sweepRun.run({ sweepId, host: model.host ?? '', backend: r.backend, gitSha: model.gitSha ?? '' });
  }

  /**
   * Recomputes a sweep's aggregates from its trials and epochs (call inside a transaction): after
   * trials got their group ids, or to check the incremental sums.
   */
  rebuild(sweepId: string): void {
    const { sqlite } = this.conn;
    for (const table of ['group_stats', 'group_bounds', 'group_epochs']) {
      sqlite.prepare(`delete from ${table} where sweep_id = ?`).run(sweepId);
    }
    sqlite
      .prepare(
        `insert into group_stats (sweep_id, group_id, layers, objective, k, latent, trials, nll_sum, nll_sq, units_sum, units_sq,
                                  units1_sum, units2_sum, train_seconds, eval_seconds,
                                  jackknife_sum, ess_mean_sum, ess_median_sum, estimates_n)
         select sweep_id, group_id, min(layers), min(objective), min(k), min(latent), count(*), sum(test_nll), sum(test_nll * test_nll),
                sum(active_units), sum(active_units * active_units),
                sum(coalesce(json_extract(active_units_per_layer, '$[0]'), 0)), sum(coalesce(json_extract(active_units_per_layer, '$[1]'), 0)),
                sum(train_seconds), sum(eval_seconds),
                coalesce(sum(test_jackknife), 0), coalesce(sum(test_ess_mean), 0), coalesce(sum(test_ess_median), 0),
                count(test_jackknife)
           from trials where sweep_id = ? and result_recorded_at is not null group by group_id`,
      )
      .run(sweepId);
    sqlite
      .prepare(
        `insert into group_bounds (sweep_id, group_id, eval_k, bound_sum, n)
         select sweep_id, group_id, k, sum(bound), count(*) from (
           select sweep_id, group_id, eval_k as k, test_bound as bound from trials where sweep_id = @sweepId and result_recorded_at is not null
           union all
           select t.sweep_id, t.group_id, cast(j.key as integer), j.value from trials t, json_each(t.test_bounds) j
            where t.sweep_id = @sweepId and t.result_recorded_at is not null)
          group by group_id, k`,
      )
      .run({ sweepId });
    sqlite
      .prepare(
        `insert into group_epochs (sweep_id, group_id, epoch, bound_sum, n, elbo_sum, iwae_sum, train_n, validation_sum, validation_n)
         select t.sweep_id, t.group_id, e.epoch, sum(e.train_bound), count(*),
                coalesce(sum(e.train_elbo), 0), coalesce(sum(e.train_iwae), 0), count(e.train_elbo),
                coalesce(sum(e.validation_bound), 0), count(e.validation_bound)
           from epochs e join trials t on t.id = e.trial_id where t.sweep_id = ? group by t.group_id, e.epoch`,
      )
      .run(sweepId);
  }

  /**
   * The paper's Table 1 for a sweep: NLL and active units per config group (the normalised config
   * but the seed), mean ± sd over its seeds.
   */
  paperTable(sweepId: string): PaperTableRow[] {
    const rows = this.conn.db.select().from(groupStats).where(eq(groupStats.sweepId, sweepId)).all();
    const sd = (sum: number, sq: number, n: number) => (n > 1 ? Math.sqrt(Math.max(0, (sq - (sum * sum) / n) / (n - 1))) : null);
    return rows
      .map((m) => ({
        groupId: m.groupId,
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
        jackknifeMean: m.estimatesN > 0 ? m.jackknifeSum / m.estimatesN : null,
        essMeanMean: m.estimatesN > 0 ? m.essMeanSum / m.estimatesN : null,
        essMedianMean: m.estimatesN > 0 ? m.essMedianSum / m.estimatesN : null,
      }))
      .sort(
        (a, b) =>
          a.layers - b.layers ||
          a.latent - b.latent ||
          a.k - b.k ||
          a.objective.localeCompare(b.objective) ||
          a.nllMean - b.nllMean,
      );
  }

  /** Per group, the mean test bound at each evaluation k. */
  groupBounds(sweepId: string): { groupId: string; evalK: number; bound: number }[] {
    return this.conn.db
      .select()
      .from(groupBounds)
      .where(eq(groupBounds.sweepId, sweepId))
      .all()
      .map((b) => ({ groupId: b.groupId, evalK: b.evalK, bound: b.boundSum / b.n }));
  }

  /**
   * Per group, the mean at each epoch (over the trials that reached it and recorded the figure)
   * of the training objective, both training bounds, and the validation bound.
   */
  groupEpochs(sweepId: string): GroupEpochRow[] {
    const mean = (sum: number, n: number) => (n > 0 ? sum / n : null);
    return this.conn.db
      .select()
      .from(groupEpochs)
      .where(eq(groupEpochs.sweepId, sweepId))
      .all()
      .map((e) => ({
        groupId: e.groupId,
        epoch: e.epoch,
        bound: e.boundSum / e.n,
        trials: e.n,
        trainElbo: mean(e.elboSum, e.trainN),
        trainIwae: mean(e.iwaeSum, e.trainN),
        validationBound: mean(e.validationSum, e.validationN),
      }));
  }

  /** Each config group of a sweep with its config (the seed left out) and its number of trials. */
  groups(sweepId: string): { groupId: string; config: Omit<TrialConfig, 'seed'>; trials: number }[] {
    const rows = this.conn.sqlite
      .prepare(
        `select g.groupId, g.trials, g.trialId, c.config_json as configJson
           from (select group_id as groupId, count(*) as trials, min(id) as trialId from trials where sweep_id = ? group by group_id) g
           join trial_configs c on c.trial_id = g.trialId`,
      )
      .all(sweepId) as { groupId: string; trials: number; trialId: string; configJson: string }[];
    return rows.map((r) => {
      const { seed: _seed, ...config } = decodeTrialConfig(r.configJson, r.trialId);
      return { groupId: r.groupId, config, trials: r.trials };
    });
  }

  /** Hosts, backends and code versions that finished trials of a sweep, and total compute. */
  sweepRunInfo(sweepId: string): SweepRunInfo {
    const runs = this.conn.db.select().from(sweepRuns).where(eq(sweepRuns.sweepId, sweepId)).all();
    const totals = this.conn.sqlite
      .prepare(
        'select coalesce(sum(train_seconds), 0) as t, coalesce(sum(eval_seconds), 0) as e from group_stats where sweep_id = ?',
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
