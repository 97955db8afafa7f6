import { Rng } from '@iwae-sweep/core';
import { describe, expect, it } from 'vitest';
import { importanceStats } from './importance-stats.ts';

/** ψ(K) for integer K: −γ + Σ_{j<K} 1/j. */
function digamma(k: number): number {
  let s = -0.5772156649015329;
  for (let j = 1; j < k; j++) s += 1 / j;
  return s;
}

interface Summary {
  bound: number;
  boundSe: number;
  jackknife: number;
  jackknifeSe: number;
  essMedian: number;
  essMean: number;
}

/** Replicates of K log weights drawn by `draw`; means and standard errors of the statistics. */
function simulate(k: number, replicates: number, draw: (out: Float64Array) => void): Summary {
  const buf = new Float64Array(k);
  const b: number[] = [];
  const j: number[] = [];
  const e: number[] = [];
  for (let r = 0; r < replicates; r++) {
    draw(buf);
    const s = importanceStats(buf);
    b.push(s.bound);
    j.push(s.jackknife);
    e.push(s.ess);
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const se = (a: number[]) => {
    const m = mean(a);
    return Math.sqrt(a.reduce((x, y) => x + (y - m) ** 2, 0) / (a.length - 1) / a.length);
  };
  e.sort((x, y) => x - y);
  return {
    bound: mean(b),
    boundSe: se(b),
    jackknife: mean(j),
    jackknifeSe: se(j),
    essMedian: e[replicates >> 1] as number,
    essMean: mean(e),
  };
}

const logNormal = (rng: Rng, s2: number) => (out: Float64Array) => {
  rng.fillNormal(out);
  // log w ~ N(−s²/2, s²): E[w] = 1, so the true log p(x) is 0.
  for (let i = 0; i < out.length; i++) out[i] = -s2 / 2 + Math.sqrt(s2) * (out[i] as number);
};

describe('importanceStats: the jackknife and the effective sample size', () => {
  it('computes leave-one-out bounds stably when one weight dominates', () => {
    // Weights 1, e^−60, e^−60: log(Σw − w_0) would be log of a rounding error.
    const s = importanceStats([0, -60, -60]);
    const l3 = Math.log((1 + 2 * Math.exp(-60)) / 3);
    const loo = [-60, Math.log((1 + Math.exp(-60)) / 2), Math.log((1 + Math.exp(-60)) / 2)];
    expect(s.bound).toBeCloseTo(l3, 12);
    expect(s.jackknife).toBeCloseTo(3 * l3 - 2 * (loo.reduce((a, v) => a + v, 0) / 3), 10);
    expect(s.ess).toBeCloseTo(1, 12);
    // Against the definition, term by term, on random weights spread over 80 nats.
    const rng = Rng.fromSeed(3, 'loo');
    const v = Float64Array.from({ length: 40 }, () => -80 * rng.nextFloat());
    const lme = (a: number[]) => {
      const m = Math.max(...a);
      return m + Math.log(a.reduce((x, y) => x + Math.exp(y - m), 0) / a.length);
    };
    const all = [...v];
    const looMean = all.reduce((acc, _, i) => acc + lme(all.filter((_, j) => j !== i)), 0) / all.length;
    expect(importanceStats(v).jackknife).toBeCloseTo(40 * lme(all) - 39 * looMean, 9);
    // Equal weights: ESS = K, and every estimate is the common value.
    const flat = importanceStats([-2, -2, -2, -2]);
    expect(flat.bound).toBe(-2);
    expect(flat.jackknife).toBeCloseTo(-2, 12);
    expect(flat.ess).toBe(4);
  });

  it('exponential weights: E[jackknife] = K(ψ(K) − ln K) − (K−1)(ψ(K−1) − ln(K−1)), ESS → K/2', () => {
    const rng = Rng.fromSeed(1, 'exp-jackknife');
    const k = 10;
    const sim = simulate(k, 30_000, (out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.log(-Math.log(1 - rng.nextFloat()));
    });
    const lk = (n: number) => digamma(n) - Math.log(n);
    expect(Math.abs(sim.bound - lk(k))).toBeLessThan(4 * sim.boundSe);
    const exact = k * lk(k) - (k - 1) * lk(k - 1); // +0.0009: the 1/K term (−0.051 in L_10) is gone
    expect(Math.abs(sim.jackknife - exact)).toBeLessThan(4 * sim.jackknifeSe);
    expect(Math.abs(sim.jackknife)).toBeLessThan(Math.abs(sim.bound) / 5);
    // (Σw)²/Σw² → K·E[w]²/E[w²] = K/2 for Exp(1).
    const big = simulate(2000, 200, (out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.log(-Math.log(1 - rng.nextFloat()));
    });
    expect(big.essMean / 2000).toBeCloseTo(0.5, 2);
  });

  it('log-normal weights in the 1/K regime (s² = 1, K = 100): the jackknife removes the gap', () => {
    const sim = simulate(100, 30_000, logNormal(Rng.fromSeed(2, 'ln-small'), 1));
    // L_K's gap ≈ (e^{s²} − 1)/(2K) = 0.0086; the jackknife's is O(1/K²).
    expect(Math.abs(sim.bound + (Math.E - 1) / 200)).toBeLessThan(4 * sim.boundSe + 0.1 * 0.0086);
    expect(Math.abs(sim.jackknife)).toBeLessThan(4 * sim.jackknifeSe);
    expect(sim.essMedian / 100).toBeGreaterThan(0.3);
  });

  it('log-normal weights far from it (s² = 8, K = 5000): better than L_K, still short of log p(x), ESS ≪ K says so', () => {
    // /work/shared/docs/iwae.md: L_K −0.057, jackknife −0.020, true value 0.
    const sim = simulate(5000, 800, logNormal(Rng.fromSeed(4, 'ln-heavy'), 8));
    expect(Math.abs(sim.bound + 0.057)).toBeLessThan(4 * sim.boundSe);
    expect(Math.abs(sim.jackknife + 0.02)).toBeLessThan(4 * sim.jackknifeSe);
    expect(sim.jackknife).toBeGreaterThan(sim.bound);
    // Var(w)/p(x)² = e⁸ − 1 ≈ 2980 is comparable to K: the weights are degenerate.
    expect(sim.essMedian / 5000).toBeLessThan(0.01);
  });
});
