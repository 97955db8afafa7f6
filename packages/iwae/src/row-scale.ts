import * as tf from '@tensorflow/tfjs-core';

/**
 * An identity on z [K·B, d] whose backward pass multiplies row k·B+b of the incoming gradient by
 * a factor s[k, b] that is only known after the forward pass has gone further (it is computed from
 * the log weights that z leads to). {@link setFactors} must be called, inside the same
 * `tf.variableGrads` function, before the backward pass runs, and {@link dispose} after it.
 *
 * Why: DReG's encoder gradient weighs sample k by w̃_k² while the decoder's weighs it by w̃_k.
 * Differentiating Σ w̃_k log w_k once and scaling what leaves z towards the encoder by w̃_k gives
 * both in one backward pass, instead of two passes with two surrogates (the reference path).
 */
export class DeferredRowScale {
  private factors: tf.Tensor2D | undefined;

  /** The identity op to apply to z. */
  readonly apply = (z: tf.Tensor2D): tf.Tensor2D =>
    tf.customGrad((...args) => {
      const [input] = args as [tf.Tensor2D, tf.GradSaveFunc];
      return {
        value: tf.clone(input),
        gradFunc: (dy) => {
          const s = this.factors;
          if (!s) throw new Error('DeferredRowScale: factors were never set before the backward pass');
          return tf.mul(dy as tf.Tensor2D, tf.reshape(s, [-1, 1]));
        },
      };
    })(z) as tf.Tensor2D;

  /** Sets the per-row factors [K, B] (treated as constants). */
  setFactors(factors: tf.Tensor2D): void {
    // Kept: tfjs disposes the forward pass's tensors before it runs the backward pass.
    this.factors = tf.keep(factors);
  }

  dispose(): void {
    this.factors?.dispose();
    this.factors = undefined;
  }
}
