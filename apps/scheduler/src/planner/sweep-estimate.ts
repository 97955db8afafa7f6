import type { PlannedTrial, Stopping } from '@iwae-sweep/core';
import { formatSeconds } from '../progress.ts';
import type { Calibration } from './calibration.ts';
import { type CostCase, makespanSeconds, sweepCost } from './sweep-cost.ts';

export interface CaseEstimate {
  flops: number;
  epochExamples: number;
  coreHours: number;
  wallSeconds: number;
}

export interface SweepEstimate {
  trials: number;
  workers: number;
  backend: string;
  stopping?: Stopping;
  /** Without stopping; with it, the worst case (nothing stopped). */
  full: CaseEstimate;
  best?: CaseEstimate;
  expected?: CaseEstimate;
}

/**
 * What a sweep will cost here: the cost model's flops, turned into seconds by this machine's
 * calibration (training and forward-only passes each at their measured speed, plus each trial
 * process's start-up), and into wall time on `workers` trial processes started longest first.
 * One function for `plan`, `run`, `launch` and `--dry-run`.
 */
export function estimateSweep(trials: PlannedTrial[], calib: Calibration, workers: number, stopping?: Stopping): SweepEstimate {
  const cost = sweepCost(trials, stopping);
  const of = (c: CostCase): CaseEstimate => {
    // A calibration cached before forward passes were timed counts them at the training speed.
    const forwardRate = calib.forwardFlopsPerSecond ?? calib.flopsPerSecond;
    const seconds = c.trainFlops.map(
      (f, i) => f / calib.flopsPerSecond + (c.forwardFlops[i] ?? 0) / forwardRate + calib.startupSeconds,
    );
    return {
      flops: c.flops.reduce((a, b) => a + b, 0),
      epochExamples: c.epochExamples,
      coreHours: seconds.reduce((a, b) => a + b, 0) / 3600,
      wallSeconds: makespanSeconds(seconds, workers),
    };
  };
  return {
    trials: trials.length,
    workers,
    backend: calib.backend,
    ...(stopping ? { stopping } : {}),
    full: of(cost.full),
    ...(cost.best ? { best: of(cost.best) } : {}),
    ...(cost.expected ? { expected: of(cost.expected) } : {}),
  };
}

const sci = (x: number) => x.toExponential(2).replace('e+', 'e');
const hours = (h: number) => (h < 0.1 ? `${(h * 60).toFixed(1)} core-min` : `${h.toFixed(2)} core-h`);

/** The estimate as a few lines for a terminal. */
export function formatEstimate(e: SweepEstimate): string {
  const line = (label: string, c: CaseEstimate) =>
    `  ${label.padEnd(10)} ${sci(c.flops)} flops, ${sci(c.epochExamples)} epoch-examples, ${hours(c.coreHours)}, ~${formatSeconds(
      c.wallSeconds,
    )} on ${e.workers} worker(s)`;
  const rule = e.stopping
    ? e.stopping.method === 'asha'
      ? ` with ASHA (η=${e.stopping.reductionFactor}, first rung at epoch ${e.stopping.minEpochs})`
      : ` with the median rule (from epoch ${e.stopping.minEpochs})`
    : '';
  const out = [`estimate: ${e.trials} trial(s) on backend ${e.backend}${rule}`];
  if (!e.best) out.push(line('total', e.full));
  else {
    out.push(line('best case', e.best));
    if (e.expected) out.push(line('expected', e.expected));
    out.push(line('worst case', e.full));
  }
  return `${out.join('\n')}\n`;
}
