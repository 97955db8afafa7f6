import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from './architecture.ts';
import { gaussianLogDensity, sampleGaussian, standardNormalLogDensity } from './gaussian.ts';
import type { LayerOps } from './layer-ops.ts';
import { type Params, param } from './params.ts';
import { stopGradient } from './stop-gradient.ts';

function mlp(ops: LayerOps, p: Params, block: string, input: tf.Tensor2D): tf.Tensor2D {
  const h0 = ops.denseTanh(input, param(p, `${block}.h0.W`) as tf.Tensor2D, param(p, `${block}.h0.b`) as tf.Tensor1D);
  return ops.denseTanh(h0, param(p, `${block}.h1.W`) as tf.Tensor2D, param(p, `${block}.h1.b`) as tf.Tensor1D);
}

function gaussianHead(ops: LayerOps, p: Params, block: string, h: tf.Tensor2D): { mu: tf.Tensor2D; logSigma: tf.Tensor2D } {
  return {
    mu: ops.dense(h, param(p, `${block}.mu.W`) as tf.Tensor2D, param(p, `${block}.mu.b`) as tf.Tensor1D),
    logSigma: ops.dense(h, param(p, `${block}.logsigma.W`) as tf.Tensor2D, param(p, `${block}.logsigma.b`) as tf.Tensor1D),
  };
}

/** q(z1|x): mean and log σ of the first latent layer for a batch [B, D]. */
export function encodeFirst(ops: LayerOps, p: Params, x: tf.Tensor2D): { mu: tf.Tensor2D; logSigma: tf.Tensor2D } {
  return gaussianHead(ops, p, 'enc1', mlp(ops, p, 'enc1', x));
}

/** q(z2|z1): mean and log σ of the second latent layer. */
export function encodeSecond(ops: LayerOps, p: Params, z1: tf.Tensor2D): { mu: tf.Tensor2D; logSigma: tf.Tensor2D } {
  return gaussianHead(ops, p, 'enc2', mlp(ops, p, 'enc2', z1));
}

/** How {@link logWeights} lets gradients through (the estimators of iwae.md's "After Burda et al."). */
export interface LogWeightOptions {
  /**
   * Evaluate log q(z|x) with the encoder's parameters stopped (Roeder et al.'s "sticking the
   * landing"; also the inner term of DReG): the score term ∂log q/∂φ is dropped, the path through
   * z is kept.
   */
  stopEncoderInLogQ?: boolean;
  /**
   * Applied to each sampled z where it enters log p(x, z) and log q (not where it feeds the next
   * encoder layer): DReG reweights the gradient that reaches the encoder there.
   */
  atDensities?: (z: tf.Tensor2D) => tf.Tensor2D;
}

/** The encoder's parameters with gradients stopped, the decoder's as they are. */
function stopEncoder(p: Params): Params {
  const out: Params = new Map();
  for (const [name, v] of p) out.set(name, name.startsWith('enc') ? (stopGradient(v) as tf.Variable) : v);
  return out;
}

/**
 * log w_k = log p(x, z_k) − log q(z_k|x) for K samples per data point.
 * x: [B, D] binary data; eps: one [K·B, d_l] standard-normal tensor per stochastic layer
 * (k-major rows). Returns [K, B].
 */
export function logWeights(
  ops: LayerOps,
  p: Params,
  arch: Architecture,
  x: tf.Tensor2D,
  eps: tf.Tensor2D[],
  k: number,
  opts: LogWeightOptions = {},
): tf.Tensor2D {
  if (opts.stopEncoderInLogQ || opts.atDensities) return logWeightsStopped(ops, p, arch, x, eps, k, opts);
  const q1 = encodeFirst(ops, p, x);
  const { z: z1, logQ: logQ1 } = sampleGaussian(q1.mu, q1.logSigma, eps[0] as tf.Tensor2D, k);
  const logits = ops.dense(
    mlp(ops, p, 'dec1', z1),
    param(p, 'dec1.logits.W') as tf.Tensor2D,
    param(p, 'dec1.logits.b') as tf.Tensor1D,
  );
  const logPx = ops.bernoulliLogLik(logits, x, k);
  const b = x.shape[0];
  if (arch.latent.length === 1) {
    const logPz = tf.reshape(standardNormalLogDensity(z1), [k, b]);
    return tf.sub(tf.add(logPx, logPz), logQ1) as tf.Tensor2D;
  }
  const q2 = encodeSecond(ops, p, z1);
  const { z: z2, logQ: logQ2 } = sampleGaussian(q2.mu, q2.logSigma, eps[1] as tf.Tensor2D, k);
  const prior1 = gaussianHead(ops, p, 'dec2', mlp(ops, p, 'dec2', z2));
  const logPz1 = tf.reshape(gaussianLogDensity(z1, prior1.mu, prior1.logSigma), [k, b]);
  const logPz2 = tf.reshape(standardNormalLogDensity(z2), [k, b]);
  return tf.sub(tf.add(tf.add(logPx, logPz1), logPz2), tf.add(logQ1, logQ2)) as tf.Tensor2D;
}

/**
 * {@link logWeights} with log q evaluated at stopped encoder parameters (values are equal; only
 * gradients differ). Kept apart so that the plain VAE/IWAE path runs exactly the ops it always ran.
 */
function logWeightsStopped(
  ops: LayerOps,
  p: Params,
  arch: Architecture,
  x: tf.Tensor2D,
  eps: tf.Tensor2D[],
  k: number,
  opts: LogWeightOptions,
): tf.Tensor2D {
  const at = opts.atDensities ?? ((z: tf.Tensor2D) => z);
  const stopped = opts.stopEncoderInLogQ ? stopEncoder(p) : p;
  const b = x.shape[0];
  const [d1] = arch.latent as [number];
  const q1 = encodeFirst(ops, p, x);
  const e1 = tf.reshape(eps[0] as tf.Tensor2D, [k, b, d1]);
  const z1raw = tf.reshape(tf.add(q1.mu, tf.mul(tf.exp(q1.logSigma), e1)), [k * b, d1]) as tf.Tensor2D;
  const z1 = at(z1raw);
  // q(z1|x) at stopped μ, σ: they depend on x and φ only, so stopping them stops φ.
  const logQ1 = gaussianLogDensity(
    tf.reshape(z1, [k, b, d1]),
    opts.stopEncoderInLogQ ? stopGradient(q1.mu) : q1.mu,
    opts.stopEncoderInLogQ ? stopGradient(q1.logSigma) : q1.logSigma,
  ) as tf.Tensor2D;
  const logits = ops.dense(
    mlp(ops, p, 'dec1', z1),
    param(p, 'dec1.logits.W') as tf.Tensor2D,
    param(p, 'dec1.logits.b') as tf.Tensor1D,
  );
  const logPx = ops.bernoulliLogLik(logits, x, k);
  if (arch.latent.length === 1) {
    const logPz = tf.reshape(standardNormalLogDensity(z1), [k, b]);
    return tf.sub(tf.add(logPx, logPz), logQ1) as tf.Tensor2D;
  }
  // z2 is drawn from q(z2|z1) at the raw z1 (the sampling path), and its density is evaluated at
  // the reweighted z1 with stopped parameters: z1 still carries its path gradient into log q2.
  const q2 = encodeSecond(ops, p, z1raw);
  const z2raw = tf.add(q2.mu, tf.mul(tf.exp(q2.logSigma), eps[1] as tf.Tensor2D)) as tf.Tensor2D;
  const z2 = at(z2raw);
  const q2s = encodeSecond(ops, stopped, z1);
  const logQ2 = tf.reshape(gaussianLogDensity(z2, q2s.mu, q2s.logSigma), [k, b]);
  const prior1 = gaussianHead(ops, p, 'dec2', mlp(ops, p, 'dec2', z2));
  const logPz1 = tf.reshape(gaussianLogDensity(z1, prior1.mu, prior1.logSigma), [k, b]);
  const logPz2 = tf.reshape(standardNormalLogDensity(z2), [k, b]);
  return tf.sub(tf.add(tf.add(logPx, logPz1), logPz2), tf.add(logQ1, logQ2)) as tf.Tensor2D;
}
