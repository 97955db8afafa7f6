import { Rng } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Architecture, architectureOf } from './architecture.ts';
import { initBackend } from './backend.ts';
import { binarizeRows } from './binarize.ts';
import { type Objective, objectiveValue } from './bounds.ts';
import { fastOps } from './fast-ops.ts';
import type { LayerOps } from './layer-ops.ts';
import { loadMnistImages } from './mnist.ts';
import { logWeights } from './model.ts';
import { createParams, initialValues, type Params, pixelMean } from './params.ts';
import { referenceOps } from './reference-ops.ts';
import { tinyConfig } from './test-fixtures.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

interface Problem {
  arch: Architecture;
  params: Params;
  x: tf.Tensor2D;
  eps: tf.Tensor2D[];
  k: number;
}

function makeProblem(layers: 1 | 2, dataDim: number, k: number, b: number, images?: Float32Array): Problem {
  const config = tinyConfig(dataDim === 784 ? { layers } : { layers, latent: 2, latent1: 3, hidden: 4, hidden2: 3 });
  const arch = architectureOf(config, dataDim);
  const rng = Rng.fromSeed(5, `grad-${layers}-${dataDim}`);
  const source = images ?? Float32Array.from({ length: b * dataDim }, () => rng.nextFloat());
  const mean = pixelMean(source, b, dataDim);
  const params = createParams(arch, initialValues(arch, rng, mean));
  const x = binarizeRows(
    source,
    dataDim,
    Int32Array.from({ length: b }, (_, i) => i),
    rng,
    new Float32Array(b * dataDim),
  );
  const eps = arch.latent.map((d) => {
    const e = new Float32Array(k * b * d);
    rng.fillNormal(e);
    return tf.tensor2d(e, [k * b, d]);
  });
  return { arch, params, x: tf.tensor2d(x, [b, dataDim]), eps, k };
}

function objective(ops: LayerOps, p: Problem, obj: Objective): tf.Scalar {
  return objectiveValue(obj, logWeights(ops, p.params, p.arch, p.x, p.eps, p.k));
}

function gradients(ops: LayerOps, p: Problem, obj: Objective): Map<string, Float32Array> {
  const { grads } = tf.variableGrads(() => objective(ops, p, obj), [...p.params.values()]);
  const out = new Map<string, Float32Array>();
  for (const [name, v] of p.params) {
    const g = grads[v.name];
    if (!g) throw new Error(`no gradient for ${name}`);
    out.set(name, Float32Array.from(g.dataSync() as Float32Array));
  }
  for (const g of Object.values(grads)) g.dispose();
  return out;
}

function dispose(p: Problem): void {
  for (const v of p.params.values()) v.dispose();
  p.x.dispose();
  for (const e of p.eps) e.dispose();
}

describe('gradients of the bound against central finite differences (tiny model)', () => {
  for (const layers of [1, 2] as const) {
    for (const obj of ['iwae', 'vae'] as const) {
      it(`${layers} layer(s), ${obj}: fast and reference gradients match finite differences`, () => {
        const p = makeProblem(layers, 6, 4, 3);
        const fast = gradients(fastOps, p, obj);
        const reference = gradients(referenceOps, p, obj);
        const h = 1e-2;
        let checked = 0;
        for (const [name, v] of p.params) {
          const values = Float32Array.from(v.dataSync() as Float32Array);
          const g = fast.get(name) as Float32Array;
          const r = reference.get(name) as Float32Array;
          for (let i = 0; i < values.length; i++) {
            const at = (delta: number) => {
              const shifted = Float32Array.from(values);
              shifted[i] = (values[i] as number) + delta;
              tf.tidy(() => v.assign(tf.tensor(shifted, v.shape)));
              const f = tf.tidy(() => objective(referenceOps, p, obj).dataSync()[0] as number);
              return f;
            };
            const fd = (at(h) - at(-h)) / (2 * h);
            tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
            expect(Math.abs((g[i] as number) - fd), `${name}[${i}] fast ${g[i]} vs fd ${fd}`).toBeLessThan(
              3e-3 + 2e-2 * Math.abs(fd),
            );
            expect(Math.abs((r[i] as number) - fd), `${name}[${i}] reference ${r[i]} vs fd ${fd}`).toBeLessThan(
              3e-3 + 2e-2 * Math.abs(fd),
            );
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(100);
        dispose(p);
      });
    }
  }
});

describe('fast path equals the reference path on a fixed MNIST batch', () => {
  for (const layers of [1, 2] as const) {
    it(`${layers} layer(s): same log weights and gradients within float32 tolerance`, () => {
      const mnist = loadMnistImages('train');
      const p = makeProblem(layers, 784, 5, 20, mnist.images.subarray(0, 20 * 784));
      const lwFast = tf.tidy(() => logWeights(fastOps, p.params, p.arch, p.x, p.eps, p.k).dataSync() as Float32Array);
      const lwRef = tf.tidy(() => logWeights(referenceOps, p.params, p.arch, p.x, p.eps, p.k).dataSync() as Float32Array);
      for (let i = 0; i < lwRef.length; i++) expect(lwFast[i]).toBeCloseTo(lwRef[i] as number, 2);
      const fast = gradients(fastOps, p, 'iwae');
      const reference = gradients(referenceOps, p, 'iwae');
      for (const [name, r] of reference) {
        const g = fast.get(name) as Float32Array;
        let diff = 0;
        let norm = 0;
        for (let i = 0; i < r.length; i++) {
          diff += ((g[i] as number) - (r[i] as number)) ** 2;
          norm += (r[i] as number) ** 2;
        }
        expect(Math.sqrt(diff / Math.max(norm, 1e-20)), name).toBeLessThan(1e-4);
      }
      dispose(p);
    });
  }
});

describe('Bernoulli log-likelihood', () => {
  it('is x·ℓ − softplus(ℓ), exact to float32 even for large |ℓ|, on both paths', () => {
    const logits = [-80, -30, -5, -0.5, 0, 0.5, 5, 30, 80, 3];
    const xs = [0, 1, 1, 0, 1, 0, 1, 0, 1, 0.25];
    const softplus = (l: number) => Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l)));
    for (const ops of [fastOps, referenceOps]) {
      const got = tf.tidy(() =>
        ops.bernoulliLogLik(tf.tensor2d(logits, [logits.length, 1]), tf.tensor2d(xs, [logits.length, 1]), 1).dataSync(),
      );
      logits.forEach((l, i) => {
        const exact = (xs[i] as number) * l - softplus(l);
        expect(Math.abs((got[i] as number) - exact)).toBeLessThan(1e-5 * Math.max(1, Math.abs(exact)));
      });
    }
  });
});
