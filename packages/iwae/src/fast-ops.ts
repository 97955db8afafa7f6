import * as tf from '@tensorflow/tfjs-core';
import type { LayerOps } from './layer-ops.ts';
import { KERNELS, wasmKernelsInstalled } from './wasm-kernels.ts';

/*
 * Hand-written gradients. tfjs autodiff differentiates x·W with matMul(dy, W, false, true) and
 * matMul(x, dy, true, false); the wasm backend runs products with a transpose flag ≈10× slower
 * than plain ones, so here the transposes are made explicit (cheap copies) and every product is
 * plain. The forward passes fuse the bias into the product, and the Bernoulli gradient is the
 * closed form x − σ(ℓ) instead of autodiff's chain through softplus. On wasm, tanh and the
 * Bernoulli likelihood and its gradient run in our SIMD kernels (wasm-kernels.ts).
 */

const denseGrad = tf.customGrad((...args) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  const y = tf.fused.matMul({ a: x, b: w, bias: b });
  save([x, w]);
  return {
    value: y,
    gradFunc: (dy, saved) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, tf.transpose(ws)), tf.matMul(tf.transpose(xs), g), tf.sum(g, 0)];
    },
  };
});

/** tanh through our SIMD kernel on wasm (≈4× tfjs's scalar one), tfjs's elsewhere. */
function tanh(pre: tf.Tensor2D): tf.Tensor2D {
  return (wasmKernelsInstalled() ? tf.engine().runKernel(KERNELS.tanh, { x: pre }) : tf.tanh(pre)) as tf.Tensor2D;
}

const denseTanhGrad = tf.customGrad((...args) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  const y = tanh(tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D);
  save([x, w, y]);
  return {
    value: y,
    gradFunc: (dy, saved) => {
      const [xs, ws, ys] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      // d tanh(u)/du = 1 − tanh(u)²
      const dpre = tf.mul(dy, tf.sub(1, tf.square(ys))) as tf.Tensor2D;
      return [tf.matMul(dpre, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dpre), tf.sum(dpre, 0)];
    },
  };
});

function bernoulliGrad(k: number) {
  return tf.customGrad((...args) => {
    const [logits, x, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const [rows, d] = logits.shape;
    save([logits, x]);
    if (wasmKernelsInstalled()) {
      // Fused on wasm: one pass over the logits forward, one backward.
      return {
        value: tf.engine().runKernel(KERNELS.bernoulliLogLik, { logits, x }, { k }) as tf.Tensor2D,
        gradFunc: (dy, saved) => {
          const [ls, xs] = saved as [tf.Tensor2D, tf.Tensor2D];
          const dl = tf.engine().runKernel(KERNELS.bernoulliGrad, { logits: ls, x: xs, dy }, { k }) as tf.Tensor2D;
          return [dl, tf.zerosLike(xs)];
        },
      };
    }
    const l3 = tf.reshape(logits, [k, rows / k, d]);
    return {
      value: tf.sum(tf.sub(tf.mul(l3, x), tf.softplus(l3)), 2),
      gradFunc: (dy, saved) => {
        const [ls, xs] = saved as [tf.Tensor2D, tf.Tensor2D];
        // ∂/∂ℓ [xℓ − softplus(ℓ)] = x − σ(ℓ)
        const dl = tf.mul(tf.expandDims(dy, 2), tf.sub(xs, tf.sigmoid(tf.reshape(ls, [k, rows / k, d]))));
        return [tf.reshape(dl, [rows, d]), tf.zerosLike(xs)];
      },
    };
  });
}

export const fastOps: LayerOps = {
  name: 'fast',
  dense: (x, w, b) => denseGrad(x, w, b) as tf.Tensor2D,
  denseTanh: (x, w, b) => denseTanhGrad(x, w, b) as tf.Tensor2D,
  bernoulliLogLik: (logits, x, k) => bernoulliGrad(k)(logits, x) as tf.Tensor2D,
};
