import type { PaperTableRow, TrialSnrRow } from '@iwae-sweep/db';
import { estimatorName } from '../web/estimator-labels.js';
import { fitLogLog, type LogLogFit } from './log-log-fit.ts';
import type { ModelKey } from './model-keys.ts';

/** The four per-trial SNR summaries: mean and median over the encoder's and the decoder's parameters. */
const SNR_FIELDS = ['encoderMean', 'encoderMedian', 'decoderMean', 'decoderMedian'] as const;
type SnrField = (typeof SNR_FIELDS)[number];

/** One config group in the estimator table: its NLL and active units over seeds, and its gradient SNR. */
export interface EstimatorRow {
  groupId: string;
  /** "iwae-dreg", "miwae M=5", "ciwae β=0.5". */
  estimator: string;
  /** The model beyond the estimator: "1L", "2L z=100", plus fields that tell groups apart. */
  model: string;
  /** Estimator and model: the row's line in the SNR plot. */
  series: string;
  objective: string;
  k: number;
  m: number | null;
  /** "K=50", or "M=5 × K=10" for miwae/piwae. */
  samples: string;
  /** Samples per data point per step: m·K for miwae/piwae, K otherwise. */
  samplesPerPoint: number;
  trials: number;
  nllMean: number;
  nllSd: number | null;
  unitsMean: number;
  unitsSd: number | null;
  unitsPerLayerMean: number[];
  /** Mean over the group's trials that measured it (null: none did). */
  snr: Record<SnrField, number | null>;
  snrTrials: number;
}

/** One part's SNR against K for a series: points (geometric mean over seeds) and fits over every trial. */
export interface SnrPart {
  /** SNR = the mean over parameters of |E g|/sd g; per K the geometric mean over the trials. */
  points: { k: number; snr: number; trials: number }[];
  /** Least squares of ln SNR (mean over parameters) on ln K, every trial a point. */
  fit: LogLogFit | null;
  /** The same for the median over parameters. */
  fitMedian: LogLogFit | null;
}

export interface SnrSeries {
  series: string;
  estimator: string;
  model: string;
  encoder: SnrPart;
  decoder: SnrPart;
}

export interface EstimatorData {
  /** Whether the sweep compares estimators: more than one objective, or any beyond vae and iwae. */
  shown: boolean;
  /** The objectives of the sweep's trials (the dashboard's objective filter offers these). */
  objectives: string[];
  rows: EstimatorRow[];
  snr: SnrSeries[];
}

const modelOf = (key: ModelKey) =>
  `${key.layers}L${key.latent !== 50 ? ` z=${key.latent}` : ''}${Object.entries(key.distinct)
    // m and beta are in the estimator's name.
    .filter(([f]) => f !== 'm' && f !== 'beta')
    .map(([f, v]) => ` ${f}=${Array.isArray(v) ? v.join('+') : v}`)
    .join('')}`;

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

function snrPart(trials: { k: number; snr: TrialSnrRow }[], part: 'encoder' | 'decoder'): SnrPart {
  const byK = new Map<number, number[]>();
  const meanPoints: { x: number; y: number }[] = [];
  const medianPoints: { x: number; y: number }[] = [];
  for (const { k, snr } of trials) {
    const m = snr[`${part}Mean`];
    const med = snr[`${part}Median`];
    if (m !== null && m > 0) {
      meanPoints.push({ x: k, y: m });
      byK.set(k, [...(byK.get(k) ?? []), Math.log(m)]);
    }
    if (med !== null && med > 0) medianPoints.push({ x: k, y: med });
  }
  return {
    points: [...byK]
      .map(([k, logs]) => ({ k, snr: Math.exp(mean(logs) as number), trials: logs.length }))
      .sort((a, b) => a.k - b.k),
    fit: fitLogLog(meanPoints),
    fitMedian: fitLogLog(medianPoints),
  };
}

/**
 * The estimator comparison of a sweep: NLL and active units by estimator × K, and the gradient
 * SNR against K per estimator with fitted log-log slopes (Rainforth et al. 2018: ≈ −½ for the
 * IWAE encoder, ≈ +½ for its decoder). The K = 1 VAE trial is IWAE's K = 1 point (the same
 * trial: the config normalises iwae at K = 1 to vae).
 */
export function buildEstimatorData(
  keys: Iterable<ModelKey>,
  paperTable: (PaperTableRow & ModelKey)[],
  trialSnrs: TrialSnrRow[],
): EstimatorData {
  const all = [...keys];
  const objectives = new Set(all.map((k) => k.objective));
  const shown = objectives.size > 1 || [...objectives].some((o) => o !== 'vae' && o !== 'iwae');
  const byGroup = new Map(all.map((k) => [k.groupId, k]));
  const snrsOf = new Map<string, TrialSnrRow[]>();
  for (const s of trialSnrs) snrsOf.set(s.groupId, [...(snrsOf.get(s.groupId) ?? []), s]);

  const rows: EstimatorRow[] = paperTable.map((r) => {
    const estimator = estimatorName(r);
    const model = modelOf(r);
    const snrs = snrsOf.get(r.groupId) ?? [];
    return {
      groupId: r.groupId,
      estimator,
      model,
      series: `${estimator} ${model}`,
      objective: r.objective,
      k: r.k,
      m: r.m,
      samples: r.samples,
      samplesPerPoint: r.k * (r.m ?? 1),
      trials: r.trials,
      nllMean: r.nllMean,
      nllSd: r.nllSd,
      unitsMean: r.unitsMean,
      unitsSd: r.unitsSd,
      unitsPerLayerMean: r.unitsPerLayerMean,
      snr: Object.fromEntries(
        SNR_FIELDS.map((f) => [f, mean(snrs.map((s) => s[f]).filter((v): v is number => v !== null))]),
      ) as Record<SnrField, number | null>,
      snrTrials: snrs.length,
    };
  });
  rows.sort((a, b) => a.series.localeCompare(b.series) || a.k - b.k);

  // SNR series: every group's trials under its estimator and model; the K = 1 VAE also under IWAE's.
  const series = new Map<string, { estimator: string; model: string; trials: { k: number; snr: TrialSnrRow }[] }>();
  const add = (estimator: string, model: string, k: number, snrs: TrialSnrRow[]) => {
    const name = `${estimator} ${model}`;
    const s = series.get(name) ?? { estimator, model, trials: [] };
    s.trials.push(...snrs.map((snr) => ({ k, snr })));
    series.set(name, s);
  };
  for (const [groupId, snrs] of snrsOf) {
    const key = byGroup.get(groupId);
    if (key) add(estimatorName(key), modelOf(key), key.k, snrs);
  }
  for (const [groupId, snrs] of snrsOf) {
    const key = byGroup.get(groupId);
    const iwae = key && `${estimatorName({ objective: 'iwae' })} ${modelOf(key)}`;
    if (key?.objective === 'vae' && key.k === 1 && iwae && series.get(iwae)?.trials.every((t) => t.k !== 1)) {
      add('iwae', modelOf(key), 1, snrs);
    }
  }
  const snr = [...series]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, s]) => ({
      series: name,
      estimator: s.estimator,
      model: s.model,
      encoder: snrPart(s.trials, 'encoder'),
      decoder: snrPart(s.trials, 'decoder'),
    }));
  return { shown, objectives: [...objectives].sort(), rows, snr };
}
