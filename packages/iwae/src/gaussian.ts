import * as tf from '@tensorflow/tfjs-core';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log N(z; μ, σ²I) summed over the last axis, with σ = exp(logSigma):
 * −½ Σ [log 2π + 2 log σ + ((z − μ)/σ)²].
 */
export function gaussianLogDensity(z: tf.Tensor, mu: tf.Tensor, logSigma: tf.Tensor): tf.Tensor {
  const d = z.shape[z.shape.length - 1] as number;
  const u = tf.mul(tf.sub(z, mu), tf.exp(tf.neg(logSigma)));
  return tf.sub(tf.neg(tf.add(tf.sum(logSigma, -1), tf.mul(0.5, tf.sum(tf.square(u), -1)))), d * HALF_LOG_2PI);
}

/** log N(z; 0, I) summed over the last axis. */
export function standardNormalLogDensity(z: tf.Tensor): tf.Tensor {
  const d = z.shape[z.shape.length - 1] as number;
  return tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), -1)), d * HALF_LOG_2PI);
}

/**
 * Reparametrised draw z = μ + σ ⊙ ε for K samples per row of μ ([B, d]); ε is [K·B, d]
 * (k-major). Returns z as [K·B, d] and log q(z) = log N(z; μ, σ²) as [K, B], computed from ε
 * directly ((z − μ)/σ = ε), which is exact and cheaper.
 */
export function sampleGaussian(
  mu: tf.Tensor2D,
  logSigma: tf.Tensor2D,
  eps: tf.Tensor2D,
  k: number,
): { z: tf.Tensor2D; logQ: tf.Tensor2D } {
  const [rows, d] = mu.shape;
  const b = eps.shape[0] / k;
  if (rows === b) {
    // One μ per data point, shared by its K samples: broadcast over a leading K axis.
    const e3 = tf.reshape(eps, [k, b, d]);
    const z = tf.reshape(tf.add(mu, tf.mul(tf.exp(logSigma), e3)), [k * b, d]) as tf.Tensor2D;
    const logQ = tf.sub(tf.sub(tf.mul(-0.5, tf.sum(tf.square(e3), 2)), tf.sum(logSigma, 1)), d * HALF_LOG_2PI) as tf.Tensor2D;
    return { z, logQ };
  }
  // One μ per sample (upper layers): everything is [K·B, d].
  const z = tf.add(mu, tf.mul(tf.exp(logSigma), eps)) as tf.Tensor2D;
  const logQ = tf.sub(tf.sub(tf.mul(-0.5, tf.sum(tf.square(eps), 1)), tf.sum(logSigma, 1)), d * HALF_LOG_2PI);
  return { z, logQ: tf.reshape(logQ, [k, b]) as tf.Tensor2D };
}
