import {
  estimateTrialFlops,
  type PlannedTrial,
  rungEpochs,
  type Stopping,
  type TrialConfig,
  totalEpochs,
} from '@iwae-sweep/core';

/**
 * A trial's cost split as the stopping rule and the planner need it: training and the validation
 * bound are paid per epoch, the test evaluation once; training (forward and backward) and the
 * forward-only passes (validation, evaluation) run at different speeds.
 */
export interface TrialCost {
  id: string;
  epochs: number;
  trainFlopsPerEpoch: number;
  /** L_validationK on the held-out images after each epoch (0 without validation images). */
  validationFlopsPerEpoch: number;
  evalFlops: number;
}

/**
 * Splits the cost model's estimate (estimateTrialFlops: linear in the number of epochs) into its
 * per-epoch training and validation parts and its one-off evaluation, by evaluating it at 1 and 2
 * epochs, with and without the validation images.
 */
export function trialCost(id: string, c: TrialConfig): TrialCost {
  const at = (epochs: number, validationSize = c.validationSize) =>
    estimateTrialFlops({ ...c, validationSize, schedule: { type: 'constant', epochs } });
  const perEpoch = at(2) - at(1);
  const trainPerEpoch = at(2, 0) - at(1, 0);
  return {
    id,
    epochs: totalEpochs(c.schedule),
    trainFlopsPerEpoch: trainPerEpoch,
    validationFlopsPerEpoch: perEpoch - trainPerEpoch,
    evalFlops: at(1) - perEpoch,
  };
}

/** All of a trial's flops per epoch trained: training and the validation bound after it. */
export const epochFlops = (t: TrialCost) => t.trainFlopsPerEpoch + t.validationFlopsPerEpoch;

/** Training and forward-only flops of a trial that trains `epochs` epochs (evaluated only if it finishes). */
const flopsIfRun = (t: TrialCost, epochs: number) => {
  const e = Math.min(epochs, t.epochs);
  return { train: t.trainFlopsPerEpoch * e, forward: t.validationFlopsPerEpoch * e + (epochs >= t.epochs ? t.evalFlops : 0) };
};

export interface CostCase {
  /** Flops per trial (same order as the trials): training plus forward-only. */
  flops: number[];
  /** Of which training (forward and backward), per trial. */
  trainFlops: number[];
  /** Of which forward-only passes (validation bound, test evaluation), per trial. */
  forwardFlops: number[];
  /** Training epochs over all trials times the examples per epoch: the "epoch-examples". */
  epochExamples: number;
}

export interface SweepCost {
  trials: number;
  /** Every trial to its end: the cost without stopping, and the worst case with it. */
  full: CostCase;
  /** With a stopping rule: the most favourable arrival order (fewest epochs trained). */
  best?: CostCase;
  /** With ASHA: the expectation over random arrival orders (uniform ranks). */
  expected?: CostCase;
}

/**
 * ASHA keeps the arrival that ranks in the top ⌈n/η⌉ of the n recorded at a rung. Over a random
 * arrival order the j-th arrival ranks uniformly, so it continues with probability ⌈j/η⌉/j.
 */
function ashaContinueFraction(n: number, eta: number): number {
  let sum = 0;
  for (let j = 1; j <= n; j++) sum += Math.ceil(j / eta) / j;
  return n === 0 ? 0 : sum / n;
}

/**
 * The compute of a sweep: without stopping; and with a stopping rule, its best case (trials
 * ordered so that the rule stops as many as it can, as early as it can: the cheapest survive)
 * and, for ASHA, its expectation over arrival orders. The worst case is `full`: a rule that never
 * fires (every arrival better than the ones before) stops nothing.
 */
export function sweepCost(trials: PlannedTrial[], stopping?: Stopping): SweepCost {
  const costs = trials.map((t) => trialCost(t.id, t.config));
  const examples = trials.map((t) => t.config.trainSize);
  const caseOf = (epochsRun: number[]): CostCase => {
    const parts = costs.map((c, i) => flopsIfRun(c, epochsRun[i] ?? c.epochs));
    return {
      flops: parts.map((p) => p.train + p.forward),
      trainFlops: parts.map((p) => p.train),
      forwardFlops: parts.map((p) => p.forward),
      epochExamples: epochsRun.reduce((a, e, i) => a + Math.min(e, costs[i]?.epochs ?? e) * (examples[i] ?? 0), 0),
    };
  };
  const full = caseOf(costs.map((c) => c.epochs));
  if (!stopping) return { trials: trials.length, full };
  // Cheapest per epoch survive longest in the best case.
  const order = costs.map((c, i) => ({ c, i })).sort((a, b) => epochFlops(a.c) - epochFlops(b.c));
  const best = new Array<number>(costs.length);
  const expected = new Array<number>(costs.length);
  const finishing = new Array<number>(costs.length).fill(1);
  const n = costs.length;
  if (stopping.method === 'asha') {
    const eta = stopping.reductionFactor;
    order.forEach(({ c, i }, rank) => {
      const rungs = rungEpochs(stopping, c.epochs);
      // Best case: the first arrival survives every rung (ranks 1st of all before it), all
      // others arrive worst-first and stop at the first rung.
      best[i] = rank === 0 || rungs.length === 0 ? c.epochs : (rungs[0] as number);
      // Expectation: a fraction f_r of the trials that reached rung r continues past it.
      let reach = 1;
      let epochs = 0;
      let prev = 0;
      let alive = n;
      for (const r of rungs) {
        epochs += reach * (r - prev);
        prev = r;
        const f = ashaContinueFraction(alive, eta);
        reach *= f;
        alive = Math.max(1, Math.round(alive * f));
      }
      expected[i] = epochs + reach * (c.epochs - prev);
      finishing[i] = reach;
    });
  } else {
    order.forEach(({ c, i }, rank) => {
      const rungs = rungEpochs(stopping, c.epochs);
      // Best case: the first minTrials arrivals have no quorum and run to the end; every later one
      // arrives below the median and stops at the first epoch judged.
      best[i] = rank < stopping.minTrials || rungs.length === 0 ? c.epochs : (rungs[0] as number);
    });
  }
  const out: SweepCost = { trials: n, full, best: caseOf(best) };
  if (stopping.method === 'asha') {
    const trainFlops = costs.map((c, i) => c.trainFlopsPerEpoch * (expected[i] ?? c.epochs));
    // Evaluation is paid by the fraction that finishes.
    const forwardFlops = costs.map(
      (c, i) => c.validationFlopsPerEpoch * (expected[i] ?? c.epochs) + c.evalFlops * (finishing[i] ?? 1),
    );
    out.expected = {
      flops: trainFlops.map((f, i) => f + (forwardFlops[i] ?? 0)),
      trainFlops,
      forwardFlops,
      epochExamples: expected.reduce((a, e, i) => a + e * (examples[i] ?? 0), 0),
    };
  }
  return out;
}

/**
 * Wall time of trials of these durations on `workers` identical workers, started longest first,
 * each on the first worker free (what the queue does: LPT list scheduling, within 4/3 of optimal).
 */
export function makespanSeconds(durations: number[], workers: number): number {
  const free = new Array<number>(Math.max(1, workers)).fill(0);
  for (const d of [...durations].sort((a, b) => b - a)) {
    let k = 0;
    for (let j = 1; j < free.length; j++) if ((free[j] as number) < (free[k] as number)) k = j;
    free[k] = (free[k] as number) + d;
  }
  return Math.max(...free);
}
