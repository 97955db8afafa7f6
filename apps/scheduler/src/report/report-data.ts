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

/**
 * Everything the report shows, from the DB's per-model aggregates: its cost grows with the
 * number of models, not of trials (100k trials report as fast as 100).
 */
export function buildReportData(db: ResultsDb, sweepId: string): ReportData {
  const [summary] = db.sweepSummaries(sweepId);
  if (!summary) throw new Error(`no sweep "${sweepId}" in ${db.file}`);
  const { specJson, ...rest } = summary;
  const keyOf = (m: ModelKey) => `${m.layers}|${m.objective}|${m.k}|${m.latent}`;
  const paperTable = db.paperTable(sweepId);

  const curves = new Map<string, BoundCurve>();
  for (const b of db.modelBounds(sweepId)) {
    let c = curves.get(keyOf(b));
    if (!c) {
      c = { layers: b.layers, objective: b.objective, k: b.k, latent: b.latent, points: [], fit: undefined };
      curves.set(keyOf(b), c);
    }
    c.points.push({ k: b.evalK, bound: b.bound });
  }
  for (const c of curves.values()) {
    c.points.sort((a, b) => a.k - b.k);
    c.fit = fitInverseK(c.points);
  }

  // Learning curves of the models with the best test NLL (all models while none has finished).
  const byModel = new Map<string, LearningCurve>();
  for (const e of db.modelEpochs(sweepId)) {
    let c = byModel.get(keyOf(e));
    if (!c) {
      c = { layers: e.layers, objective: e.objective, k: e.k, latent: e.latent, epochs: [], trainBound: [], trials: 0 };
      byModel.set(keyOf(e), c);
    }
    c.epochs.push(e.epoch);
    c.trainBound.push(e.bound);
    c.trials = Math.max(c.trials, e.trials);
  }
  const rank = new Map(paperTable.map((r) => [keyOf(r), r.nllMean]));
  const learningCurves = [...byModel.values()]
    .sort((a, b) => (rank.get(keyOf(a)) ?? Number.POSITIVE_INFINITY) - (rank.get(keyOf(b)) ?? Number.POSITIVE_INFINITY))
    .slice(0, MAX_CURVES)
    .map((c) => {
      const order = c.epochs.map((_, i) => i).sort((a, b) => (c.epochs[a] as number) - (c.epochs[b] as number));
      return { ...c, epochs: order.map((i) => c.epochs[i] as number), trainBound: order.map((i) => c.trainBound[i] as number) };
    });

  const failed = (
    db.sqlite
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
  const runs = db.sweepRunInfo(sweepId);

  return {
    generatedAt: Date.now(),
    sweep: { ...rest, status: sweepStatus(summary), spec: JSON.parse(specJson) as unknown },
    paperTable,
    boundCurves: [...curves.values()],
    learningCurves,
    learningCurvesShown: learningCurves.length,
    learningCurvesTotal: byModel.size,
    failed,
    totals: {
      trainSeconds: runs.trainSeconds,
      evalSeconds: runs.evalSeconds,
      backends: runs.backends,
      gitShas: [...new Set([...runs.gitShas, ...(summary.gitSha ? [summary.gitSha] : [])])],
      hosts: runs.hosts,
    },
  };
}
