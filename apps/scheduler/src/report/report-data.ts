import type { PaperTableRow, ResultsDb, SweepSummary } from '@iwae-sweep/db';
import { sweepStatus } from '../sweep-eta.ts';
import { fitInverseK, type InverseKFit } from './fit-inverse-k.ts';

/** A model as the report groups trials: everything but the seed. */
export interface ModelKey {
  layers: number;
  objective: string;
  k: number;
  latent: number;
}

export interface BoundCurve extends ModelKey {
  /** Mean over seeds of the test bound L_k at each evaluation k. */
  points: { k: number; bound: number }[];
  fit: InverseKFit | undefined;
}

export interface LearningCurve extends ModelKey {
  epochs: number[];
  trainBound: number[];
  trials: number;
}

export interface ReportData {
  generatedAt: number;
  sweep: Omit<SweepSummary, 'specJson'> & { status: string; spec: unknown };
  paperTable: PaperTableRow[];
  boundCurves: BoundCurve[];
  learningCurves: LearningCurve[];
  /** Learning curves cover at most this many models (the best by test NLL), to stay readable. */
  learningCurvesShown: number;
  learningCurvesTotal: number;
  failed: { trial: string; label: string; error: string }[];
  totals: { trainSeconds: number; evalSeconds: number; backends: string[]; gitShas: string[]; hosts: string[] };
}

const MAX_CURVES = 24;

/** Everything the report shows, computed with aggregate queries (fast on 100k trials). */
export function buildReportData(db: ResultsDb, sweepId: string): ReportData {
  const [summary] = db.sweepSummaries(sweepId);
  if (!summary) throw new Error(`no sweep "${sweepId}" in ${db.file}`);
  const { specJson, ...rest } = summary;
  const sql = db.sqlite;

  const boundRows = sql
    .prepare(
      `select layers, objective, k, latent, evalk, avg(bound) as bound from (
         select t.layers, t.objective, t.k, t.latent, tb.k as evalk, tb.bound
           from trials t join test_bounds tb on tb.trial_id = t.id where t.sweep_id = ?
         union all
         select t.layers, t.objective, t.k, t.latent, r.eval_k, r.test_bound
           from trials t join results r on r.trial_id = t.id where t.sweep_id = ?)
       group by layers, objective, k, latent, evalk order by layers, objective, k, latent, evalk`,
    )
    .all(sweepId, sweepId) as (ModelKey & { evalk: number; bound: number })[];
  const curves = new Map<string, BoundCurve>();
  for (const r of boundRows) {
    const key = `${r.layers}|${r.objective}|${r.k}|${r.latent}`;
    let c = curves.get(key);
    if (!c) {
      c = { layers: r.layers, objective: r.objective, k: r.k, latent: r.latent, points: [], fit: undefined };
      curves.set(key, c);
    }
    c.points.push({ k: r.evalk, bound: r.bound });
  }
  for (const c of curves.values()) c.fit = fitInverseK(c.points);

  // The models with the best test NLL get learning curves (mean over seeds, per epoch).
  const best = sql
    .prepare(
      `select t.layers, t.objective, t.k, t.latent from trials t join results r on r.trial_id = t.id
        where t.sweep_id = ? group by 1, 2, 3, 4 order by avg(r.test_nll) limit ?`,
    )
    .all(sweepId, MAX_CURVES) as ModelKey[];
  const totalModels = (
    sql
      .prepare('select count(*) as n from (select 1 from trials where sweep_id = ? group by layers, objective, k, latent)')
      .get(sweepId) as {
      n: number;
    }
  ).n;
  const curveStmt = sql.prepare(
    `select e.epoch, avg(e.train_bound) as bound, count(distinct e.trial_id) as trials
       from trials t join epochs e on e.trial_id = t.id
      where t.sweep_id = ? and t.layers = ? and t.objective = ? and t.k = ? and t.latent = ?
      group by e.epoch order by e.epoch`,
  );
  // With no finished trial yet, show the running ones.
  const models =
    best.length > 0
      ? best
      : (sql
          .prepare('select layers, objective, k, latent from trials where sweep_id = ? group by 1, 2, 3, 4 limit ?')
          .all(sweepId, MAX_CURVES) as ModelKey[]);
  const learningCurves: LearningCurve[] = models.map((m) => {
    const rows = curveStmt.all(sweepId, m.layers, m.objective, m.k, m.latent) as {
      epoch: number;
      bound: number;
      trials: number;
    }[];
    return {
      ...m,
      epochs: rows.map((r) => r.epoch),
      trainBound: rows.map((r) => r.bound),
      trials: Math.max(0, ...rows.map((r) => r.trials)),
    };
  });

  const failed = (
    sql
      .prepare(
        `select id as trial, objective, layers, k, latent, seed, error from trials
          where sweep_id = ? and status = 'failed' order by id limit 200`,
      )
      .all(sweepId) as (ModelKey & { trial: string; seed: number; error: string | null })[]
  ).map((f) => ({
    trial: f.trial,
    label: `${f.objective} ${f.layers}L K=${f.k} z=${f.latent} s${f.seed}`,
    error: f.error ?? '',
  }));
  const totals = sql
    .prepare(
      `select coalesce(sum(r.train_seconds), 0) as trainSeconds, coalesce(sum(r.eval_seconds), 0) as evalSeconds,
              group_concat(distinct r.backend) as backends, group_concat(distinct t.git_sha) as gitShas,
              group_concat(distinct t.host) as hosts
         from trials t left join results r on r.trial_id = t.id where t.sweep_id = ?`,
    )
    .get(sweepId) as {
    trainSeconds: number;
    evalSeconds: number;
    backends: string | null;
    gitShas: string | null;
    hosts: string | null;
  };
  const split = (v: string | null) => (v ? v.split(',') : []);

  return {
    generatedAt: Date.now(),
    sweep: { ...rest, status: sweepStatus(summary), spec: JSON.parse(specJson) as unknown },
    paperTable: db.paperTable(sweepId),
    boundCurves: [...curves.values()],
    learningCurves,
    learningCurvesShown: learningCurves.length,
    learningCurvesTotal: totalModels,
    failed,
    totals: {
      trainSeconds: totals.trainSeconds,
      evalSeconds: totals.evalSeconds,
      backends: split(totals.backends),
      gitShas: [...new Set([...split(totals.gitShas), ...(summary.gitSha ? [summary.gitSha] : [])])],
      hosts: split(totals.hosts),
    },
  };
}
