import { Rng } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from './architecture.ts';
import { binarizeRows } from './binarize.ts';
import { boundFromSamples } from './bounds.ts';
import { importanceStats } from './importance-stats.ts';
import type { LayerOps } from './layer-ops.ts';
import type { ImageSet } from './mnist.ts';
import { encodeFirst, encodeSecond, logWeights } from './model.ts';
import type { Params } from './params.ts';

export interface BoundEvaluation {
  /** Mean over the images of L_K (nats); the test NLL is its negative. */
  bound: number;
  k: number;
  /** Mean L_k for each extra k asked for, estimated from the same K log weights. */
  boundsByK: Record<number, number>;
  /** Mean over the images of the jackknife estimate of log p(x) (not a bound; see importanceStats). */
  jackknife: number;
  /** Effective sample size (Σw)²/Σw² of the K weights, mean and median over the images. */
  essMean: number;
  essMedian: number;
  images: number;
  seconds: number;
}

export interface BoundOptions {
  k: number;
  ks?: number[];
  seed: number;
  /** Name of the random stream drawn from `seed` (binarisation and samples); default `eval`. */
  stream?: string;
  /** Rows (samples × images) per forward pass: the largest products that fit. */
  maxRows?: number;
  onProgress?: (imagesDone: number, images: number) => void;
}

/** Rows per forward pass by default: large products run fastest, 16k rows × 784 logits ≈ 50 MB. */
export const DEFAULT_EVAL_ROWS = 16_384;

/**
 * L_K on a set of images, K up to thousands. Log weights are computed in chunks of samples
 * that fit in memory, collected, and combined with one logsumexp per image (with, from the same
 * weights, the jackknife estimate and the effective sample size). Averaging the
 * bounds of separate chunks instead would give a looser (and wrong) bound. Images are
 * binarised dynamically from a stream seeded by `seed`, so the result is repeatable.
 */
export async function evaluateBound(
  ops: LayerOps,
  params: Params,
  arch: Architecture,
  set: ImageSet,
  opts: BoundOptions,
): Promise<BoundEvaluation> {
  const start = performance.now();
  const { k } = opts;
  const ks = (opts.ks ?? []).filter((v) => v <= k);
  const maxRows = opts.maxRows ?? DEFAULT_EVAL_ROWS;
  const rng = Rng.fromSeed(opts.seed, opts.stream ?? 'eval');
  const imagesPerPass = Math.max(1, Math.min(set.n, Math.floor(maxRows / Math.min(k, maxRows))));
  const samplesPerPass = Math.max(1, Math.min(k, Math.floor(maxRows / imagesPerPass)));
  const logW = new Float32Array(k * imagesPerPass);
  const xBuf = new Float32Array(imagesPerPass * set.pixels);
  const epsBufs = arch.latent.map((d) => new Float32Array(samplesPerPass * imagesPerPass * d));
  let total = 0;
  let jackknifeTotal = 0;
  const ess = new Float64Array(set.n);
  const totals = new Map<number, number>(ks.map((v) => [v, 0]));
  for (let from = 0; from < set.n; from += imagesPerPass) {
    const b = Math.min(imagesPerPass, set.n - from);
    const rows = Int32Array.from({ length: b }, (_, i) => from + i);
    const x = binarizeRows(set.images, set.pixels, rows, rng, xBuf.subarray(0, b * set.pixels));
    const xt = tf.tensor2d(x, [b, set.pixels]);
    for (let s = 0; s < k; s += samplesPerPass) {
      const c = Math.min(samplesPerPass, k - s);
      const eps = arch.latent.map((d, l) => {
        const buf = (epsBufs[l] as Float32Array).subarray(0, c * b * d);
        rng.fillNormal(buf);
        return buf;
      });
      const chunk = tf.tidy(() =>
        logWeights(
          ops,
          params,
          arch,
          xt,
          eps.map((buf, l) => tf.tensor2d(buf, [c * b, arch.latent[l] as number])),
          c,
        ),
      );
      // [c, b] rows are samples s..s+c of these b images.
      logW.set(chunk.dataSync() as Float32Array, s * b);
      chunk.dispose();
    }
    xt.dispose();
    for (let i = 0; i < b; i++) {
      const stats = importanceStats(logW, i, k, b);
      total += stats.bound;
      jackknifeTotal += stats.jackknife;
      ess[from + i] = stats.ess;
      for (const kk of ks) totals.set(kk, (totals.get(kk) as number) + boundFromSamples(logW, kk, k, i, b));
    }
    if (opts.onProgress) {
      opts.onProgress(from + b, set.n);
      // Let progress reports (IPC, queue) leave the process while a long evaluation runs.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return {
    bound: total / set.n,
    k,
    boundsByK: Object.fromEntries([...totals].map(([kk, v]) => [kk, v / set.n])),
    jackknife: jackknifeTotal / set.n,
    essMean: ess.reduce((a, v) => a + v, 0) / set.n,
    essMedian: median(ess),
    images: set.n,
    seconds: (performance.now() - start) / 1000,
  };
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Active units per stochastic layer: unit u is active if Cov_x(E_{q(z|x)}[z_u]) > threshold
 * (Burda et al. use 0.01). E[z1|x] is the encoder mean; E[z2|x] = E_{z1~q(z1|x)}[μ2(z1)] is
 * estimated with `samples` draws of z1.
 */
export function activeUnits(
  ops: LayerOps,
  params: Params,
  arch: Architecture,
  set: ImageSet,
  opts: { seed: number; threshold?: number; samples?: number },
): number[] {
  const threshold = opts.threshold ?? 0.01;
  const samples = opts.samples ?? 100;
  const rng = Rng.fromSeed(opts.seed, 'active-units');
  const x = binarizeRows(
    set.images,
    set.pixels,
    Int32Array.from({ length: set.n }, (_, i) => i),
    rng,
    new Float32Array(set.n * set.pixels),
  );
  const [d1, d2] = arch.latent as [number, number | undefined];
  const batch = 500;
  const m1 = new Float32Array(set.n * d1);
  const m2 = d2 === undefined ? undefined : new Float32Array(set.n * d2);
  for (let from = 0; from < set.n; from += batch) {
    const b = Math.min(batch, set.n - from);
    const xb = x.subarray(from * set.pixels, (from + b) * set.pixels);
    const mu1 = tf.tidy(() => encodeFirst(ops, params, tf.tensor2d(xb, [b, set.pixels])).mu);
    m1.set(mu1.dataSync() as Float32Array, from * d1);
    if (m2 && d2 !== undefined) {
      const eps = new Float32Array(samples * b * d1);
      rng.fillNormal(eps);
      const mu2 = tf.tidy(() => {
        const q1 = encodeFirst(ops, params, tf.tensor2d(xb, [b, set.pixels]));
        const e3 = tf.reshape(tf.tensor2d(eps, [samples * b, d1]), [samples, b, d1]);
        const z1 = tf.reshape(tf.add(q1.mu, tf.mul(tf.exp(q1.logSigma), e3)), [samples * b, d1]) as tf.Tensor2D;
        return tf.mean(tf.reshape(encodeSecond(ops, params, z1).mu, [samples, b, d2]), 0);
      });
      m2.set(mu2.dataSync() as Float32Array, from * d2);
      mu2.dispose();
    }
    mu1.dispose();
  }
  return (m2 ? [m1, m2] : [m1]).map((m, l) => countActive(m, set.n, arch.latent[l] as number, threshold));
}

function countActive(values: Float32Array, n: number, d: number, threshold: number): number {
  let active = 0;
  for (let u = 0; u < d; u++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += values[i * d + u] as number;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += ((values[i * d + u] as number) - mean) ** 2;
    if (v / (n - 1) > threshold) active++;
  }
  return active;
}
