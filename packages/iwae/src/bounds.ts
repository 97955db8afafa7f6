import * as tf from '@tensorflow/tfjs-core';

/** The objectives a trial can train with. */
export type Objective = 'vae' | 'iwae';

/**
 * Per data point importance-weighted bound from log weights [K, B]:
 * log (1/K) Σ_k w_k = logsumexp_k(log w) − log K, stable in float32 (max subtracted). [B]
 */
export function iwaeBound(logW: tf.Tensor2D): tf.Tensor1D {
  const k = logW.shape[0];
  return tf.sub(tf.logSumExp(logW, 0), Math.log(k)) as tf.Tensor1D;
}

/** Per data point ELBO averaged over the K samples: mean_k log w_k. [B] */
export function vaeBound(logW: tf.Tensor2D): tf.Tensor1D {
  return tf.mean(logW, 0) as tf.Tensor1D;
}

/**
 * The training objective (to maximise): the objective's bound reduced over the batch by its
 * mean (the paper's text) or its sum (the authors' released code: the gradient is batch-size
 * times larger, so Adam's ε weighs batch-size times less).
 */
export function objectiveValue(objective: Objective, logW: tf.Tensor2D, reduction: 'mean' | 'sum' = 'mean'): tf.Scalar {
  const perPoint = objective === 'iwae' ? iwaeBound(logW) : vaeBound(logW);
  return (reduction === 'sum' ? tf.sum(perPoint) : tf.mean(perPoint)) as tf.Scalar;
}

/**
 * log (1/n) Σ exp(a_i) over a strided slice of a Float32Array, in float64. Used to combine
 * the evaluation's log weights collected in chunks: one logsumexp over all of them.
 */
export function logMeanExp(values: ArrayLike<number>, start = 0, count = values.length - start, stride = 1): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const v = values[start + i * stride] as number;
    if (v > max) max = v;
  }
  if (max === Number.NEGATIVE_INFINITY || !Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.exp((values[start + i * stride] as number) - max);
  return max + Math.log(sum / count);
}

/**
 * Estimates L_k for k ≤ K from K log weights of one data point (stored at start, start+stride…):
 * the K samples are split into ⌊K/k⌋ disjoint groups of k, and the group bounds averaged.
 * Each group is an unbiased draw of log (1/k) Σ w, so the mean is an unbiased estimate of L_k.
 */
export function boundFromSamples(values: ArrayLike<number>, k: number, total: number, start = 0, stride = 1): number {
  const groups = Math.floor(total / k);
  if (groups < 1) throw new RangeError(`cannot estimate L_${k} from ${total} samples`);
  let acc = 0;
  for (let g = 0; g < groups; g++) acc += logMeanExp(values, start + g * k * stride, k, stride);
  return acc / groups;
}
