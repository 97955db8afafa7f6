import {
  type ConfigValue,
  configValues,
  type PaperTableRow,
  type ResultsDb,
  type SweepSummary,
  varyingColumns,
} from '@iwae-sweep/db';
import { sweepStatus } from '../sweep-eta.ts';
import { fitInverseK, type InverseKFit } from './fit-inverse-k.ts';

/**
 * A config group as the report shows it: trials whose normalised configs differ only by seed
 * (they are pooled, never coarser), with the model fields and the other fields that tell it
 * apart from the sweep's other groups (e.g. `learningRate: 0.0003`).
 */
export interface ModelKey {
  groupId: string;
  layers: number;
  objective: string;
  k: number;
  latent: number;
  /** Config fields, beyond layers/objective/K/latent, whose values differ between the sweep's groups. */
  distinct: Record<string, ConfigValue>;
}

/** The model columns every report row shows already (not repeated in `distinct`). */
const SHOWN = ['layers', 'objective', 'k', 'latent', 'seed'] as const;

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
  paperTable: (PaperTableRow & ModelKey)[];
  /** Config fields beyond layers/objective/K/latent/seed whose values differ between the sweep's groups. */
  varyingFields: string[];
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
 * Everything the report shows, from the DB's per-config-group aggregates: its cost grows with
 * the number of groups, not of trials (100k trials report as fast as 100).
 */
export function buildReportData(db: ResultsDb, sweepId: string): ReportData {
  const [summary] = db.sweepSummaries(sweepId);
  if (!summary) throw new Error(`no sweep "${sweepId}" in ${db.file}`);
  const { specJson, ...rest } = summary;
  const groups = db.groups(sweepId);
  const varying = varyingColumns(
    groups.map((g) => g.config),
    SHOWN,
  );
  const keys = new Map<string, ModelKey>(
    groups.map((g) => {
      const values = configValues(g.config);
      const distinct = Object.fromEntries(varying.map((name) => [name, values[name] ?? null]));
      const { layers, objective, k, latent } = g.config;
      return [g.groupId, { groupId: g.groupId, layers, objective, k, latent, distinct }];
    }),
  );
  const keyOf = (groupId: string): ModelKey =>
    keys.get(groupId) ?? { groupId, layers: 0, objective: '?', k: 0, latent: 0, distinct: {} };
  const paperTable = db.paperTable(sweepId).map((r) => ({ ...r, ...keyOf(r.groupId) }));

  const curves = new Map<string, BoundCurve>();
  for (const b of db.groupBounds(sweepId)) {
    let c = curves.get(b.groupId);
    if (!c) {
      c = { ...keyOf(b.groupId), points: [], fit: undefined };
      curves.set(b.groupId, c);
    }
    c.points.push({ k: b.evalK, bound: b.bound });
  }
  for (const c of curves.values()) {
    c.points.sort((a, b) => a.k - b.k);
    c.fit = fitInverseK(c.points);
  }

  // Learning curves of the groups with the best test NLL (all groups while none has finished).
  const byModel = new Map<string, LearningCurve>();
  for (const e of db.groupEpochs(sweepId)) {
    let c = byModel.get(e.groupId);
    if (!c) {
      c = { ...keyOf(e.groupId), epochs: [], trainBound: [], trials: 0 };
      byModel.set(e.groupId, c);
    }
    c.epochs.push(e.epoch);
    c.trainBound.push(e.bound);
    c.trials = Math.max(c.trials, e.trials);
  }
  const rank = new Map(paperTable.map((r) => [r.groupId, r.nllMean]));
  const learningCurves = [...byModel.values()]
    .sort((a, b) => (rank.get(a.groupId) ?? Number.POSITIVE_INFINITY) - (rank.get(b.groupId) ?? Number.POSITIVE_INFINITY))
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
      .all(sweepId) as {
      trial: string;
      objective: string;
      layers: number;
      k: number;
      latent: number;
      seed: number;
      error: string | null;
    }[]
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
    varyingFields: varying,
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
