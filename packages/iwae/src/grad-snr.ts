import type { GradientSnrResult, Rng } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from './architecture.ts';
import type { LayerOps } from './layer-ops.ts';
import { isEncoder, type ObjectiveSpec, objectiveGradients, samplesOf } from './objectives.ts';
import type { Params } from './params.ts';

/**
 * SNR over the parameters of one group: mean and median of the per-parameter |E g| / sd g, over
 * the parameters whose gradient varied (the others have no defined SNR; null if none did).
 */
export type SnrSummary = GradientSnrResult['encoder'];
export type GradientSnr = GradientSnrResult;

/** Running per-element mean and variance of gradient draws (Welford, in float64). */
export class GradientMoments {
  private n = 0;
  private readonly mean = new Map<string, Float64Array>();
  private readonly m2 = new Map<string, Float64Array>();

  add(grads: ReadonlyMap<string, Float32Array>): void {
    this.n += 1;
    for (const [name, g] of grads) {
      let mean = this.mean.get(name);
      let m2 = this.m2.get(name);
      if (!mean || !m2) {
        mean = new Float64Array(g.length);
        m2 = new Float64Array(g.length);
        this.mean.set(name, mean);
        this.m2.set(name, m2);
      }
      for (let i = 0; i < g.length; i++) {
        const v = g[i] as number;
        const d = v - (mean[i] as number);
        mean[i] = (mean[i] as number) + d / this.n;
        m2[i] = (m2[i] as number) + d * (v - (mean[i] as number));
      }
    }
  }

  get count(): number {
    return this.n;
  }

  names(): string[] {
    return [...this.mean.keys()];
  }

  /** Per-element mean of the draws. */
  meanOf(name: string): Float64Array {
    const m = this.mean.get(name);
    if (!m) throw new RangeError(`no draws of ${name}`);
    return m;
  }

  /** Per-element sample variance (n − 1 in the denominator). */
  varianceOf(name: string): Float64Array {
    const m2 = this.m2.get(name);
    if (!m2) throw new RangeError(`no draws of ${name}`);
    return m2.map((v) => v / (this.n - 1));
  }

  /**
   * Per-element SNR |E g| / sd g. |E g| is estimated by √max(ḡ² − s²/n, 0): ḡ² alone is biased
   * upwards by s²/n, which would put a floor of about 1/√n under every SNR and flatten the
   * slopes of SNR against K exactly where they matter (small SNR). Elements that never varied
   * are NaN.
   */
  snrOf(name: string): Float64Array {
    const mean = this.meanOf(name);
    const variance = this.varianceOf(name);
    return mean.map((m, i) => {
      const v = variance[i] as number;
      if (!(v > 0)) return Number.NaN;
      return Math.sqrt(Math.max(m * m - v / this.n, 0) / v);
    });
  }
}

function summarise(values: number[]): SnrSummary {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = finite.length;
  if (n === 0) return { mean: null, median: null, parameters: 0 };
  const mid = n >> 1;
  const median = n % 2 === 1 ? (finite[mid] as number) : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
  return { mean: finite.reduce((a, b) => a + b, 0) / n, median, parameters: n };
}

/** Summarises per-parameter SNRs into the encoder's (enc*) and the decoder's (dec*). */
export function summariseSnr(moments: GradientMoments): GradientSnr {
  const encoder: number[] = [];
  const decoder: number[] = [];
  for (const name of moments.names()) {
    const group = isEncoder(name) ? encoder : decoder;
    for (const v of moments.snrOf(name)) group.push(v);
  }
  return { draws: moments.count, encoder: summarise(encoder), decoder: summarise(decoder) };
}

export interface SnrInputs {
  ops: LayerOps;
  params: Params;
  arch: Architecture;
  /** The fixed batch [B, D] (binarised once). */
  x: Float32Array;
  draws: number;
  /** Source of the ε of every draw. */
  rng: Rng;
  /** Called after each draw: thousands of them at a large K take long, and a watchdog must see them. */
  onDraw?: () => void;
}

/**
 * The gradient signal-to-noise diagnostic of Rainforth et al. (2018): `draws` independent
 * gradient estimates of an objective on one fixed batch (fresh ε each time, parameters
 * unchanged), summarised per parameter group.
 */
export function gradientSnr(spec: ObjectiveSpec, inp: SnrInputs): GradientSnr {
  const { arch, params } = inp;
  const b = inp.x.length / arch.dataDim;
  const n = samplesOf(spec);
  const moments = new GradientMoments();
  const x = tf.tensor2d(inp.x, [b, arch.dataDim]);
  const epsBufs = arch.latent.map((d) => new Float32Array(n * b * d));
  try {
    for (let r = 0; r < inp.draws; r++) {
      const grads = tf.tidy(() => {
        const eps = epsBufs.map((buf, l) => {
          inp.rng.fillNormal(buf);
          return tf.tensor2d(buf, [n * b, arch.latent[l] as number]);
        });
        const { grads: g, logW } = objectiveGradients(spec, { ops: inp.ops, params, arch, x, eps });
        logW.dispose();
        return g;
      });
      const byName = new Map<string, Float32Array>();
      for (const [name, v] of params) {
        const g = grads[v.name];
        if (!g) throw new RangeError(`no gradient for parameter ${name}`);
        byName.set(name, g.dataSync() as Float32Array);
      }
      for (const g of Object.values(grads)) g.dispose();
      moments.add(byName);
      inp.onDraw?.();
    }
  } finally {
    x.dispose();
  }
  return summariseSnr(moments);
}
