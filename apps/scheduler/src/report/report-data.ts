import type { PaperTableRow, ResultsDb, SweepSummary } from '@iwae-sweep/db';
import { sweepStatus } from '../sweep-eta.ts';
import { essTooLow } from '../web/bound-labels.js';
import { trialLabel } from '../web/estimator-labels.js';
import { buildEstimatorData, type EstimatorData } from './estimator-data.ts';
import { type ModelKey, modelKeys } from './model-keys.ts';
import { PAPER_OBJECTIVES } from './paper-setup.ts';
import { buildRungData, type RungData } from './rung-data.ts';

export type { ModelKey } from './model-keys.ts';

export interface BoundCurve extends ModelKey {
  /** Mean over seeds of the test bound L_k at each evaluation k (each a lower bound of log p(x)). */
  points: { k: number; bound: number }[];
}

/**
 * What the evalK log weights say beyond L_evalK, per group (means over seeds): the jackknife
 * estimate of log p(x) (not a bound) and the effective sample size that says whether to trust it.
 */
export interface BeyondBound extends ModelKey {
  bound: number;
  jackknife: number;
  essMedian: number;
  essMean: number;
  /** Median ESS below ESS_WARNING_FRACTION of evalK: the weights are degenerate. */
  essLow: boolean;
}

/** Per epoch, means over seeds; null where no trial recorded the figure (older workers, no validation). */
export interface LearningCurve extends ModelKey {
  epochs: number[];
  /** The training objective as trained: the ELBO estimate for vae, L_K for iwae. */
  trainBound: number[];
  trainElbo: (number | null)[];
  trainIwae: (number | null)[];
  validationBound: (number | null)[];
  trials: number;
}

export interface ReportData {
  generatedAt: number;
  sweep: Omit<SweepSummary, 'specJson'> & { status: string; spec: unknown };
  paperTable: (PaperTableRow & ModelKey)[];
  /** The rows of the paper's table: the finished groups of the objectives it compares. */
  paperRows: (PaperTableRow & ModelKey)[];
  /** Config fields beyond layers/objective/K/latent/seed whose values differ between the sweep's groups. */
  varyingFields: string[];
  boundCurves: BoundCurve[];
  beyondBound: BeyondBound[];
  /** Groups that match the paper's setup, and what differs in the others (with how many groups). */
  paperComparable: number;
  paperDifferences: { difference: string; groups: number }[];
  learningCurves: LearningCurve[];
  /** Learning curves cover at most this many models (the best by test NLL), to stay readable. */
  learningCurvesShown: number;
  learningCurvesTotal: number;
  failed: { trial: string; label: string; error: string }[];
  /** NLL and active units by estimator × K, and gradient SNR against K with fitted slopes. */
  estimators: EstimatorData;
  /** Early stopping (sweeps with a `stopping:` block): rungs, stopped trials, the rungs plot. */
  rungs: RungData | null;
  /** Trials copied from finished identical trials of other sweeps (first 200), and how many in all. */
  reused: { trial: string; label: string; from: string }[];
  reusedCount: number;
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
  const { varying, keys, keyOf } = modelKeys(db, sweepId);
  const paperTable = db.paperTable(sweepId).map((r) => ({ ...r, ...keyOf(r.groupId) }));

  const curves = new Map<string, BoundCurve>();
  for (const b of db.groupBounds(sweepId)) {
    let c = curves.get(b.groupId);
    if (!c) {
      c = { ...keyOf(b.groupId), points: [] };
      curves.set(b.groupId, c);
    }
    c.points.push({ k: b.evalK, bound: b.bound });
  }
  for (const c of curves.values()) c.points.sort((a, b) => a.k - b.k);
  const beyondBound: BeyondBound[] = paperTable.flatMap((r) =>
    r.jackknifeMean === null || r.essMedianMean === null || r.essMeanMean === null
      ? []
      : [
          {
            ...keyOf(r.groupId),
            bound: -r.nllMean,
            jackknife: r.jackknifeMean,
            essMedian: r.essMedianMean,
            essMean: r.essMeanMean,
            essLow: essTooLow(r.essMedianMean, keyOf(r.groupId).evalK),
          },
        ],
  );
  // The paper's setup matters only to the groups its table can show.
  const paperKeys = [...keys.values()].filter((k) => PAPER_OBJECTIVES.includes(k.objective));
  const differences = new Map<string, number>();
  for (const key of paperKeys) {
    for (const d of key.paperSetup.differences) differences.set(d, (differences.get(d) ?? 0) + 1);
  }

  // Learning curves of the groups with the best test NLL (all groups while none has finished).
  const byModel = new Map<string, LearningCurve>();
  for (const e of db.groupEpochs(sweepId)) {
    let c = byModel.get(e.groupId);
    if (!c) {
      c = { ...keyOf(e.groupId), epochs: [], trainBound: [], trainElbo: [], trainIwae: [], validationBound: [], trials: 0 };
      byModel.set(e.groupId, c);
    }
    c.epochs.push(e.epoch);
    c.trainBound.push(e.bound);
    c.trainElbo.push(e.trainElbo);
    c.trainIwae.push(e.trainIwae);
    c.validationBound.push(e.validationBound);
    c.trials = Math.max(c.trials, e.trials);
  }
  const rank = new Map(paperTable.map((r) => [r.groupId, r.nllMean]));
  const learningCurves = [...byModel.values()]
    .sort((a, b) => (rank.get(a.groupId) ?? Number.POSITIVE_INFINITY) - (rank.get(b.groupId) ?? Number.POSITIVE_INFINITY))
    .slice(0, MAX_CURVES)
    .map((c) => {
      const order = c.epochs.map((_, i) => i).sort((a, b) => (c.epochs[a] as number) - (c.epochs[b] as number));
      const sorted = <T>(values: T[]) => order.map((i) => values[i] as T);
      return {
        ...c,
        epochs: sorted(c.epochs),
        trainBound: sorted(c.trainBound),
        trainElbo: sorted(c.trainElbo),
        trainIwae: sorted(c.trainIwae),
        validationBound: sorted(c.validationBound),
      };
    });

  const failed = db.views.failedTrials(sweepId, 200).map((f) => ({ trial: f.id, label: trialLabel(f), error: f.error ?? '' }));
  // Trials whose result was copied from a finished identical trial of another sweep (`--reuse`).
  const reused = db.views.reusedTrials(sweepId, 200).map((r) => ({
    trial: r.id,
    label: trialLabel(r),
    from: `${r.fromSweep ?? '?'}/${r.fromTrial}`,
  }));
  const reusedCount = db.views.reusedCount(sweepId);
  const runs = db.sweepRunInfo(sweepId);

  return {
    generatedAt: Date.now(),
    sweep: { ...rest, status: sweepStatus(summary), spec: JSON.parse(specJson) as unknown },
    paperTable,
    paperRows: paperTable.filter((r) => PAPER_OBJECTIVES.includes(r.objective)),
    varyingFields: varying,
    boundCurves: [...curves.values()],
    beyondBound,
    paperComparable: paperKeys.filter((k) => k.paperSetup.comparable).length,
    paperDifferences: [...differences].map(([difference, groups]) => ({ difference, groups })),
    learningCurves,
    learningCurvesShown: learningCurves.length,
    learningCurvesTotal: byModel.size,
    failed,
    reused,
    reusedCount,
    estimators: buildEstimatorData(keys.values(), paperTable, db.trialSnrs(sweepId)),
    rungs: buildRungData(db, sweepId),
    totals: {
      trainSeconds: runs.trainSeconds,
      evalSeconds: runs.evalSeconds,
      backends: runs.backends,
      gitShas: [...new Set([...runs.gitShas, ...(summary.gitSha ? [summary.gitSha] : [])])],
      hosts: runs.hosts,
    },
  };
}
