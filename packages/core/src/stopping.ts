import { z } from 'zod';
import type { FieldProblem } from './errors.ts';
import type { EpochMetrics } from './results.ts';
import { type TrialConfig, totalEpochs } from './trial-config.ts';

const positiveInt = (max: number) => z.number().int().min(1).max(max);

/**
 * Early stopping of a sweep's trials, judged on the held-out validation bound (L_validationK on
 * validationSize images held out of the training split: the same k for every trial, so a K=1 and
 * a K=50 trial compare on the same bound, unlike their training objectives).
 *
 * - `asha`: asynchronous successive halving (Li et al., 2020). Rungs at minEpochs·η^i epochs; a
 *   trial that reaches a rung continues only if it is in the top 1/η of the trials recorded at
 *   that rung so far (itself included).
 * - `median`: the median stopping rule (Golovin et al., 2017). From minEpochs on, at every epoch,
 *   a trial stops if its metric is below the median of the other trials' at the same epoch, once
 *   at least minTrials others have reached it.
 */
export const stoppingSchema = z.discriminatedUnion('method', [
  z
    .object({
      method: z.literal('asha'),
      /** Epochs of the first rung. */
      minEpochs: positiveInt(100_000),
      /** η: each rung keeps the top 1/η and is η times as many epochs as the one before. */
      reductionFactor: z.number().int().min(2).max(100).default(3),
    })
    .strict(),
  z
    .object({
      method: z.literal('median'),
      minEpochs: positiveInt(100_000),
      /** Other trials that must have reached an epoch before the rule judges a trial there. */
      minTrials: positiveInt(100_000).default(3),
    })
    .strict(),
]);
export type Stopping = z.infer<typeof stoppingSchema>;

/**
 * The epochs at which a trial of `totalEpochs` epochs is judged. A rung at or after the last
 * epoch judges nothing (the trial is finishing anyway), so it is not one.
 */
export function rungEpochs(stopping: Stopping, totalEpochs: number): number[] {
  const out: number[] = [];
  if (stopping.method === 'median') {
    for (let e = stopping.minEpochs; e < totalEpochs; e++) out.push(e);
    return out;
  }
  for (let e = stopping.minEpochs; e < totalEpochs; e *= stopping.reductionFactor) out.push(e);
  return out;
}

/** The 0-based rung of an epoch, or undefined if the epoch is not a rung. */
export function rungIndex(stopping: Stopping, totalEpochs: number, epoch: number): number | undefined {
  const i = rungEpochs(stopping, totalEpochs).indexOf(epoch);
  return i < 0 ? undefined : i;
}

export interface RungDecision {
  stop: boolean;
  /** One line for `status`, `results` and the dashboard. */
  reason: string;
}

const nats = (x: number) => x.toFixed(2);

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/**
 * Judges a trial that reached a rung with validation bound `metric` (higher is better), given
 * the metrics that other trials recorded at the same rung before it, in arrival order. Pure: the
 * same arrivals give the same decisions. Ties count in the trial's favour.
 */
export function judgeAtRung(
  stopping: Stopping,
  rung: { index: number; epoch: number },
  metric: number,
  others: number[],
): RungDecision {
  const where = `epoch ${rung.epoch}`;
  if (stopping.method === 'asha') {
    const n = others.length + 1;
    const rank = 1 + others.filter((m) => m > metric).length;
    const keep = Math.ceil(n / stopping.reductionFactor);
    const stop = rank > keep;
    return {
      stop,
      reason: `rung ${rung.index + 1} (${where}): validation bound ${nats(metric)} ranks ${ordinal(rank)} of ${n}; ${
        stop ? 'stopped: ' : ''
      }the top ${keep} (1/${stopping.reductionFactor}) continue`,
    };
  }
  if (others.length < stopping.minTrials) {
    return { stop: false, reason: `${where}: ${others.length} other trial(s) so far, the rule needs ${stopping.minTrials}` };
  }
  const m = median(others);
  const stop = metric < m;
  return {
    stop,
    reason: `${where}: validation bound ${nats(metric)} ${stop ? 'below' : 'at or above'} the median ${nats(m)} of ${
      others.length
    } other trial(s)`,
  };
}

/**
 * The validation bound that a trial reaching this rung now must attain to continue, given the
 * metrics recorded there so far: the dashboard's and the report's "cutoff". Null when any metric
 * continues (ASHA keeps everyone while ⌈(n+1)/η⌉ > n; the median rule has no quorum yet). The
 * same rule as judgeAtRung, solved for the metric: metric ≥ cutoff ⟺ judgeAtRung continues.
 */
export function rungCutoff(stopping: Stopping, recorded: number[]): number | null {
  if (stopping.method === 'asha') {
    const keep = Math.ceil((recorded.length + 1) / stopping.reductionFactor);
    // Continues while fewer than `keep` others are strictly better: at least the keep-th best.
    return keep > recorded.length ? null : ([...recorded].sort((a, b) => b - a)[keep - 1] as number);
  }
  return recorded.length < stopping.minTrials ? null : median(recorded);
}

export function median(xs: number[]): number {
  if (xs.length === 0) throw new RangeError('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The metric a trial is judged on at a rung: its validation bound at that epoch (undefined when
 * the trial holds no images out, validationSize 0).
 */
export function rungMetric(m: EpochMetrics): number | undefined {
  return m.validationBound;
}

/** The stopping rule of a stored sweep spec (the DB keeps specs as JSON), if it has one. */
export function stoppingOfSpecJson(specJson: string): Stopping | undefined {
  const raw = (JSON.parse(specJson) as { stopping?: unknown }).stopping;
  return raw === undefined ? undefined : stoppingSchema.parse(raw);
}

/**
 * What a sweep's trials need for its stopping rule: held-out images to compute the metric on,
 * and at least one rung before their last epoch.
 */
export function stoppingProblems(
  stopping: Stopping,
  configs: TrialConfig[],
  lineOf: (path: (string | number)[]) => number | undefined,
): FieldProblem[] {
  const at = (path: (string | number)[]) => {
    const line = lineOf(path);
    return line === undefined ? {} : { line };
  };
  const problems: FieldProblem[] = [];
  const without = configs.filter((c) => c.validationSize === 0).length;
  if (without > 0) {
    problems.push({
      field: 'stopping',
      value: stopping.method,
      expected: `trials with validationSize > 0 (${without} of ${configs.length} have none): the rule ranks trials on the held-out validation bound; set e.g. base.validationSize: 1000`,
      ...at(['stopping']),
    });
  }
  const longest = Math.max(0, ...configs.map((c) => totalEpochs(c.schedule)));
  if (configs.length > 0 && rungEpochs(stopping, longest).length === 0) {
    problems.push({
      field: 'stopping.minEpochs',
      value: stopping.minEpochs,
      expected: `fewer epochs than the trials train (the longest trains ${longest}): a rung at or after the last epoch judges nothing`,
      ...at(['stopping', 'minEpochs']),
    });
  }
  return problems;
}
