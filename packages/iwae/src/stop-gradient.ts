import * as tf from '@tensorflow/tfjs-core';

const stop = tf.customGrad((...args) => {
  const [x] = args as [tf.Tensor, tf.GradSaveFunc];
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/**
 * The identity whose gradient is zero (tfjs has no stop_gradient): the value takes part in the
 * forward computation but is a constant to autodiff.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
