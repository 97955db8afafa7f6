import { Rng } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { iwaeBound } from './bounds.ts';
import { gaussianLogDensity, sampleGaussian, standardNormalLogDensity } from './gaussian.ts';

/*
 * Linear-Gaussian model (iwae.md, case 1): z ~ N(0, I_d), x | z ~ N(Wz + b, σ²I_D), so
 * log p(x) = log N(x; b, WWᵀ + σ²I) and the posterior is N(μ, Σ) with Σ = (I + WᵀW/σ²)⁻¹,
 * μ = Σ Wᵀ(x − b)/σ². W has orthogonal columns so that Σ is diagonal, the family our encoder
 * uses. The bound is built from the engine's own densities, sampler and logsumexp and checked
 * against these closed forms (computed here in float64).
 */

const d = 3;
const D = 5;
const sigma = 0.5;

interface Model {
  w: Float64Array; // D×d row-major
  b: Float64Array;
  s: Float64Array; // column norms
}

function makeModel(rng: Rng): Model {
  // Orthonormal columns by Gram–Schmidt, then scaled.
  const q: number[][] = [];
  while (q.length < d) {
    const v = new Float64Array(D);
    rng.fillNormal(v);
    for (const u of q) {
      const dot = u.reduce((a, ui, i) => a + ui * (v[i] as number), 0);
      for (let i = 0; i < D; i++) v[i] = (v[i] as number) - dot * (u[i] as number);
    }
    const norm = Math.hypot(...v);
    q.push(Array.from(v, (x) => x / norm));
  }
  const s = Float64Array.from([1.5, 0.8, 2.2]);
  const w = new Float64Array(D * d);
  for (let i = 0; i < D; i++) for (let j = 0; j < d; j++) w[i * d + j] = (q[j]?.[i] as number) * (s[j] as number);
  const b = new Float64Array(D);
  rng.fillNormal(b);
  return { w, b, s };
}

/** log N(x; b, WWᵀ + σ²I) by Cholesky, in float64. */
function exactLogPx(m: Model, x: Float64Array): number {
  const c = Array.from({ length: D }, (_, i) =>
    Array.from({ length: D }, (_, j) => {
      let v = i === j ? sigma * sigma : 0;
      for (let k = 0; k < d; k++) v += (m.w[i * d + k] as number) * (m.w[j * d + k] as number);
      return v;
    }),
  );
  const l = Array.from({ length: D }, () => new Float64Array(D));
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = c[i]?.[j] as number;
      for (let k = 0; k < j; k++) sum -= (l[i]?.[k] as number) * (l[j]?.[k] as number);
      (l[i] as Float64Array)[j] = i === j ? Math.sqrt(sum) : sum / (l[j]?.[j] as number);
    }
  }
  // Solve L y = x − b.
  const y = new Float64Array(D);
  for (let i = 0; i < D; i++) {
    let sum = (x[i] as number) - (m.b[i] as number);
    for (let k = 0; k < i; k++) sum -= (l[i]?.[k] as number) * (y[k] as number);
    y[i] = sum / (l[i]?.[i] as number);
  }
  let logDet = 0;
  for (let i = 0; i < D; i++) logDet += 2 * Math.log(l[i]?.[i] as number);
  const quad = y.reduce((a, v) => a + v * v, 0);
  return -0.5 * (D * Math.log(2 * Math.PI) + logDet + quad);
}

function posterior(m: Model, x: Float64Array): { mu: Float64Array; sd: Float64Array } {
  const sd = Float64Array.from(m.s, (sj) => Math.sqrt(1 / (1 + (sj * sj) / (sigma * sigma))));
  const mu = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let acc = 0;
    for (let i = 0; i < D; i++) acc += (m.w[i * d + j] as number) * ((x[i] as number) - (m.b[i] as number));
    mu[j] = ((sd[j] as number) ** 2 * acc) / (sigma * sigma);
  }
  return { mu, sd };
}

/** L_K for `copies` independent replicates of one data point, with q = N(μ + shift, Σ). */
function boundReplicates(m: Model, x: Float64Array, k: number, copies: number, shift: Float64Array, rng: Rng): Float32Array {
  const { mu, sd } = posterior(m, x);
  const eps = new Float32Array(k * copies * d);
  rng.fillNormal(eps);
  return tf
    .tidy(() => {
      const muT = tf.tile(
        tf.tensor2d(
          Float32Array.from(mu, (v, j) => v + (shift[j] as number)),
          [1, d],
        ),
        [copies, 1],
      ) as tf.Tensor2D;
      const lsT = tf.tile(tf.tensor2d(Float32Array.from(sd, Math.log), [1, d]), [copies, 1]) as tf.Tensor2D;
      const { z, logQ } = sampleGaussian(muT, lsT, tf.tensor2d(eps, [k * copies, d]), k);
      const wT = tf.tensor2d(Float32Array.from(m.w), [D, d]);
      const mean = tf.add(tf.matMul(z, wT, false, true), tf.tensor1d(Float32Array.from(m.b)));
      const logPx = tf.reshape(gaussianLogDensity(tf.tensor1d(Float32Array.from(x)), mean, tf.fill([D], Math.log(sigma))), [
        k,
        copies,
      ]);
      const logPz = tf.reshape(standardNormalLogDensity(z), [k, copies]);
      const bound = iwaeBound(tf.sub(tf.add(logPx, logPz), logQ) as tf.Tensor2D);
      return bound;
    })
    .dataSync() as Float32Array;
}

const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / v.length;

beforeAll(async () => {
  await initBackend('wasm');
});

describe('linear-Gaussian model', () => {
  const rng = Rng.fromSeed(11, 'linear-gaussian');
  const model = makeModel(rng);
  const x = new Float64Array(D);
  rng.fillNormal(x);
  for (let i = 0; i < D; i++) x[i] = (x[i] as number) * 1.5 + (model.b[i] as number);
  const logPx = exactLogPx(model, x);

  it('with the exact posterior every log weight is log p(x), so L_K = log p(x) for every K', () => {
    for (const k of [1, 5, 50]) {
      const bounds = boundReplicates(model, x, k, 64, new Float64Array(d), rng);
      for (const v of bounds) expect(v).toBeCloseTo(logPx, 3);
    }
  });

  it('with a shifted posterior the bound is below log p(x), rises with K, and the gap falls like 1/K', () => {
    // Shift by a (in posterior standard deviations): log w − log p(x) ~ N(−|a|²/2, |a|²), so
    // L_1 = log p(x) − |a|²/2 exactly and, with the central moments μ2, μ3 of w/p(x), the gap is
    // μ2/(2K) − μ3/(3K²) + O(K⁻³) (Nowozin 2018).
    const { sd } = posterior(model, x);
    const a = Float64Array.from([0.5, -0.4, 0.3]);
    const s2 = a.reduce((acc, v) => acc + v * v, 0);
    const mu2 = Math.exp(s2) - 1;
    const mu3 = Math.exp(3 * s2) - 3 * Math.exp(s2) + 2;
    const predicted = (k: number) => mu2 / (2 * k) - mu3 / (3 * k * k);
    const shift = Float64Array.from(a, (v, j) => v * (sd[j] as number));
    const gaps: number[] = [];
    for (const k of [1, 4, 16, 64]) {
      const bounds = boundReplicates(model, x, k, 50_000, shift, rng);
      const m = mean(bounds);
      const se = Math.sqrt(bounds.reduce((acc, v) => acc + (v - m) ** 2, 0) / (bounds.length - 1) / bounds.length);
      const gap = logPx - m;
      gaps.push(gap);
      if (k === 1) expect(Math.abs(gap - s2 / 2)).toBeLessThan(4 * se);
      else if (k >= 16) expect(Math.abs(gap - predicted(k))).toBeLessThan(4 * se + 0.1 * predicted(k));
    }
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThan(gaps[i - 1] as number);
    expect(gaps.every((g) => g > 0)).toBe(true);
  });
});
