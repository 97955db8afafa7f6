import { readFileSync } from 'node:fs';
import { Rng } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { KERNELS, wasmKernelsInstalled } from './wasm-kernels.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function values(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  Rng.fromSeed(seed, 'kernels').fillNormal(out);
  for (let i = 0; i < n; i++) out[i] = (out[i] as number) * scale;
  // Extremes where naive formulas overflow, underflow or cancel.
  const extremes = [0, -0, 1e-8, -1e-8, 1e-3, -1e-3, 20, -20, 88, -88, 100, -100, 1e4, -1e4];
  extremes.forEach((v, i) => {
    if (i < n) out[i] = v;
  });
  return out;
}

describe('our wasm SIMD kernels', () => {
  it('are installed on the wasm backend and touch only the memory they are given', () => {
    expect(wasmKernelsInstalled()).toBe(true);
    const bytes = readFileSync(new URL('../kernels/kernels.wasm', import.meta.url));
    // Sections: no data segment (id 11), so instantiating writes nothing into tfjs's memory.
    const ids: number[] = [];
    let p = 8;
    while (p < bytes.length) {
      ids.push(bytes[p++] as number);
      let len = 0;
      let shift = 0;
      let b: number;
      do {
        b = bytes[p++] as number;
        len |= (b & 0x7f) << shift;
        shift += 7;
      } while (b & 0x80);
      p += len;
    }
    expect(ids).not.toContain(11);
    // Tensors around a kernel call keep their values.
    const before = tf.fill([1000], 3.5);
    const y = tf.engine().runKernel(KERNELS.tanh, { x: tf.tensor1d(values(1001, 1, 3)) }) as tf.Tensor;
    const after = tf.fill([1000], -2.25);
    expect(new Set(before.dataSync())).toEqual(new Set([3.5]));
    expect(new Set(after.dataSync())).toEqual(new Set([-2.25]));
    tf.dispose([before, y, after]);
  });

  it('tanh: within 2e-7 of float64 for every element, tails included', () => {
    for (const n of [1, 3, 4, 7, 4097]) {
      const x = values(n, n, 4);
      const y = tf.tidy(() => tf.engine().runKernel(KERNELS.tanh, { x: tf.tensor1d(x) }) as tf.Tensor).dataSync();
      for (const [i, v] of x.entries()) expect(Math.abs((y[i] as number) - Math.tanh(v)), `tanh(${v})`).toBeLessThan(2e-7);
    }
  });

  it('Bernoulli log-likelihood and its gradient match float64 (K·B rows of D logits)', () => {
    for (const [k, b, d] of [
      [2, 3, 7],
      [5, 4, 784],
      [1, 1, 1],
    ] as const) {
      const logits = values(k * b * d, d, 6);
      const x = Float32Array.from(values(b * d, d + 1, 1), (v, i) => (i % 5 === 0 ? 0.3 : v > 0 ? 1 : 0));
      const dy = values(k * b, d + 2, 1);
      const [ll, dl] = tf.tidy(() => {
        const lt = tf.tensor2d(logits, [k * b, d]);
        const xt = tf.tensor2d(x, [b, d]);
        return [
          (tf.engine().runKernel(KERNELS.bernoulliLogLik, { logits: lt, x: xt }, { k }) as tf.Tensor).dataSync(),
          (
            tf.engine().runKernel(KERNELS.bernoulliGrad, { logits: lt, x: xt, dy: tf.tensor1d(dy) }, { k }) as tf.Tensor
          ).dataSync(),
        ];
      });
      for (let r = 0; r < k * b; r++) {
        let exact = 0;
        let scale = 0;
        for (let i = 0; i < d; i++) {
          const v = logits[r * d + i] as number;
          const xi = x[(r % b) * d + i] as number;
          exact += xi * v - softplus(v);
          scale += Math.abs(xi * v) + softplus(v);
          const g = (dy[r] as number) * (xi - sigmoid(v));
          // x − σ(ℓ) is known to float32 resolution near 1 (≈1.2e-7), then scaled by dy.
          const tol = 2.5e-7 * Math.abs(dy[r] as number) + 1e-6 * Math.abs(g) + 1e-9;
          expect(Math.abs((dl?.[r * d + i] as number) - g), `grad row ${r} col ${i}`).toBeLessThan(tol);
        }
        // float32 sums of d terms: error relative to the sum of magnitudes.
        expect(Math.abs((ll?.[r] as number) - exact), `row ${r}`).toBeLessThan(2e-6 * scale + 1e-5);
      }
    }
  });

  it('flushes gradient terms below 1e-30 to zero (IWAE weights underflow; wasm has no hardware flush)', () => {
    const d = 9;
    const logits = values(2 * d, 3, 2);
    const x = Float32Array.from({ length: d }, (_, i) => i % 2);
    const dy = Float32Array.from([1e-35, 0.5]);
    const dl = tf.tidy(() =>
      (
        tf
          .engine()
          .runKernel(
            KERNELS.bernoulliGrad,
            { logits: tf.tensor2d(logits, [2, d]), x: tf.tensor2d(x, [1, d]), dy: tf.tensor1d(dy) },
            { k: 2 },
          ) as tf.Tensor
      ).dataSync(),
    );
    expect([...dl.subarray(0, d)].every((v) => v === 0)).toBe(true);
    for (let i = 0; i < d; i++) expect(dl[d + i]).toBeCloseTo(0.5 * ((x[i] as number) - sigmoid(logits[d + i] as number)), 6);
  });
});
