import * as tf from '@tensorflow/tfjs-core';
import type { LayerOps } from './layer-ops.ts';

/** Plain tfjs ops; gradients come from tfjs autodiff. The ground truth for {@link fastOps}. */
export const referenceOps: LayerOps = {
  name: 'reference',
  dense: (x, w, b) => tf.add(tf.matMul(x, w), b) as tf.Tensor2D,
  denseTanh: (x, w, b) => tf.tanh(tf.add(tf.matMul(x, w), b)) as tf.Tensor2D,
  bernoulliLogLik(logits, x, k) {
    const [rows, d] = logits.shape;
    const l3 = tf.reshape(logits, [k, rows / k, d]);
    return tf.sum(tf.sub(tf.mul(l3, x), tf.softplus(l3)), 2) as tf.Tensor2D;
  },
};
