import type * as tf from '@tensorflow/tfjs-core';

/**
 * The three operations that hold almost all of an IWAE's compute. The model is written once
 * against this interface; {@link referenceOps} builds them from plain tfjs ops (gradients by
 * tfjs autodiff) and {@link fastOps} gives them hand-written gradients that avoid the backends'
 * slow transposed matrix products. Tests check both give the same values and gradients.
 */
export interface LayerOps {
  readonly name: GradientPath;
  /** x·W + b. */
  dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D;
  /** tanh(x·W + b). */
  denseTanh(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D;
  /**
   * Bernoulli log-likelihood Σ_i x_i ℓ_i − softplus(ℓ_i) of data x [B, D] under logits
   * [K·B, D] (k-major rows); returns [K, B].
   */
  bernoulliLogLik(logits: tf.Tensor2D, x: tf.Tensor2D, k: number): tf.Tensor2D;
}

export type GradientPath = 'reference' | 'fast';
