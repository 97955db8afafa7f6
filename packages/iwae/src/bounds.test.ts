import { Rng } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { boundFromSamples, iwaeBound, logMeanExp, vaeBound } from './bounds.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

/** ψ(K) for integer K: −γ + Σ_{j<K} 1/j. */
function digamma(k: number): number {
  let s = -0.5772156649015329;
  for (let j = 1; j < k; j++) s += 1 / j;
  return s;
}

/** Mean over R replicates of L_K, with its standard error, from log weights drawn by `draw`. */
function expectedBound(k: number, replicates: number, draw: (out: Float32Array) => void): { mean: number; se: number } {
  const logW = new Float32Array(k * replicates);
  draw(logW);
  const per = tf.tidy(() => iwaeBound(tf.tensor2d(logW, [k, replicates])));
  const v = Float64Array.from(per.dataSync());
  per.dispose();
  const mean = v.reduce((a, b) => a + b, 0) / replicates;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (replicates - 1);
  return { mean, se: Math.sqrt(variance / replicates) };
}

describe('iwaeBound against closed forms', () => {
  it('exponential weights: E[log mean of K Exp(1)] = ψ(K) − ln K', () => {
    const rng = Rng.fromSeed(1, 'exp');
    for (const k of [1, 2, 5, 50]) {
      const { mean, se } = expectedBound(k, 40_000, (out) => {
        for (let i = 0; i < out.length; i++) out[i] = Math.log(-Math.log(1 - rng.nextFloat()));
      });
      const exact = digamma(k) - Math.log(k);
      expect(Math.abs(mean - exact)).toBeLessThan(4 * se + 1e-4);
    }
  });

  it('log-normal weights: L_K rises with K towards m, gap ≈ (e^{s²} − 1)/(2K)', () => {
    const m = -3.5;
    const s = 0.6;
    const rng = Rng.fromSeed(2, 'lognormal');
    const gaps: number[] = [];
    for (const k of [1, 10, 100, 400]) {
      const { mean, se } = expectedBound(k, 20_000, (out) => {
        rng.fillNormal(out);
        for (let i = 0; i < out.length; i++) out[i] = m - (s * s) / 2 + s * (out[i] as number);
      });
      gaps.push(m - mean);
      if (k >= 100) {
        const predicted = (Math.exp(s * s) - 1) / (2 * k);
        // Second-order term of the bias expansion is O(1/K²); at K ≥ 100 it is < 2% of the gap.
        expect(Math.abs(m - mean - predicted)).toBeLessThan(4 * se + 0.05 * predicted);
      }
    }
    // L_1 is the plain mean of log w: gap s²/2 exactly.
    expect(gaps[0]).toBeCloseTo((s * s) / 2, 2);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThan(gaps[i - 1] as number);
    expect(gaps.every((g) => g > 0)).toBe(true);
  });

  it('stays finite and exact where exp(log w) underflows in float32', () => {
    // [K = 3, B = 2]: column 0 is (−1000, −1000, −1000), column 1 is (−2000, −1001, −1000.5).
    const logW = tf.tensor2d([-1000, -2000, -1000, -1001, -1000, -1000.5], [3, 2]);
    const b = iwaeBound(logW).arraySync();
    expect(b[0]).toBeCloseTo(-1000, 3);
    // log((e^-2000 + e^-1001 + e^-1000.5)/3)
    expect(b[1]).toBeCloseTo(-1000.5 + Math.log((Math.exp(-0.5) + 1) / 3), 3);
    logW.dispose();
  });

  it('vaeBound is the mean of log w', () => {
    const logW = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    expect(vaeBound(logW).arraySync()).toEqual([2, 3]);
    logW.dispose();
  });
});

describe('combining log weights collected in chunks', () => {
  it('one logsumexp over all samples equals the unchunked bound; averaging chunk bounds is looser', () => {
    const rng = Rng.fromSeed(3, 'chunks');
    const k = 1000;
    const values = new Float64Array(k);
    rng.fillNormal(values);
    for (let i = 0; i < k; i++) values[i] = 2 * (values[i] as number) - 90;
    const whole = logMeanExp(values);
    const direct = Math.log(values.reduce((a, v) => a + Math.exp(v + 90), 0) / k) - 90;
    expect(whole).toBeCloseTo(direct, 9);
    let chunkAverage = 0;
    for (let c = 0; c < 10; c++) chunkAverage += logMeanExp(values, c * 100, 100) / 10;
    expect(chunkAverage).toBeLessThan(whole - 0.01);
  });

  it('boundFromSamples estimates L_k without bias (exponential weights)', () => {
    const rng = Rng.fromSeed(4, 'groups');
    const total = 5000;
    const images = 200;
    const values = new Float64Array(total * images);
    for (let i = 0; i < values.length; i++) values[i] = Math.log(-Math.log(1 - rng.nextFloat()));
    for (const k of [1, 5, 50]) {
      let acc = 0;
      for (let img = 0; img < images; img++) acc += boundFromSamples(values, k, total, img, images);
      expect(acc / images).toBeCloseTo(digamma(k) - Math.log(k), 2);
    }
  });
});
