/**
 * What K log importance weights of one data point say beyond L_K, in float64:
 *
 * - `bound`: L_K = log (1/K) Σ w_k (a lower bound of log p(x) in expectation).
 * - `jackknife`: K·L_K − (K−1)·mean_i L_{K−1}^(−i), where L_{K−1}^(−i) leaves sample i out. Since
 *   E[L_K] = log p(x) − c/K + O(1/K²), this cancels the 1/K term (Quenouille's jackknife; Nowozin
 *   2018 for IWAE): an ESTIMATE of log p(x) with smaller bias, not a bound (it can exceed log p(x)).
 * - `ess`: the effective sample size (Σw)²/Σw², in [1, K]. When ESS ≪ K a few weights carry the
 *   sum, the 1/K regime has not begun, and no extrapolation beyond L_K is to be trusted.
 *
 * The leave-one-out sums come from prefix and suffix logsumexps (log Σ_{j<i} w_j and log Σ_{j>i} w_j),
 * never from log(Σw − w_i), which cancels catastrophically when w_i dominates the sum.
 */
export interface ImportanceStats {
  bound: number;
  jackknife: number;
  ess: number;
}

function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Scratch arrays reused between calls (evaluation calls this once per image). */
let scratch = new Float64Array(0);

/** Statistics of the `count` log weights at values[start], values[start + stride], … */
export function importanceStats(
  values: ArrayLike<number>,
  start = 0,
  count = values.length - start,
  stride = 1,
): ImportanceStats {
  if (count < 1) throw new RangeError('importanceStats needs at least one log weight');
  const at = (i: number) => values[start + i * stride] as number;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) max = Math.max(max, at(i));
  if (!Number.isFinite(max)) return { bound: max, jackknife: max, ess: 0 };
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < count; i++) {
    const w = Math.exp(at(i) - max);
    sum += w;
    sumSq += w * w;
  }
  const bound = max + Math.log(sum / count);
  const ess = (sum * sum) / sumSq;
  if (count === 1) return { bound, jackknife: bound, ess };
  // suffix[i] = log Σ_{j≥i} w_j; the prefix runs forward alongside.
  if (scratch.length < count + 1) scratch = new Float64Array(count + 1);
  const suffix = scratch;
  suffix[count] = Number.NEGATIVE_INFINITY;
  for (let i = count - 1; i >= 0; i--) suffix[i] = logAddExp(suffix[i + 1] as number, at(i));
  let prefix = Number.NEGATIVE_INFINITY;
  let looSum = 0;
  const logRest = Math.log(count - 1);
  for (let i = 0; i < count; i++) {
    looSum += logAddExp(prefix, suffix[i + 1] as number) - logRest;
    prefix = logAddExp(prefix, at(i));
  }
  return { bound, jackknife: count * bound - (count - 1) * (looSum / count), ess };
}
