import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { iwaeBound } from './bounds.ts';
import { fastOps } from './fast-ops.ts';
import type { LayerOps } from './layer-ops.ts';
import { loadMnistImages } from './mnist.ts';
import { logWeights } from './model.ts';
import { isEncoder, miwaeBound, type ObjectiveSpec, objectiveGradients, samplesOf } from './objectives.ts';
import type { Params } from './params.ts';
import { referenceOps } from './reference-ops.ts';
import { disposeParams, drawEps, type TinyModel, tinyModel } from './test-fixtures.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

type Grads = Map<string, Float32Array>;

/** Loss and gradients (by parameter name) of one objective on fixed data and ε. */
function step(spec: ObjectiveSpec, m: TinyModel, x: tf.Tensor2D, eps: tf.Tensor2D[], ops: LayerOps = fastOps) {
  const { loss, grads, logW } = objectiveGradients(spec, { ops, params: m.params, arch: m.arch, x, eps });
  logW.dispose();
  const out: Grads = new Map();
  for (const [name, v] of m.params) {
    const g = grads[v.name];
    if (!g) throw new Error(`no gradient for ${name}`);
    out.set(name, Float32Array.from(g.dataSync() as Float32Array));
  }
  const value = loss.dataSync()[0] as number;
  loss.dispose();
  for (const g of Object.values(grads)) g.dispose();
  return { loss: value, grads: out };
}

function expectSameGrads(a: Grads, b: Grads, relTol: number, only: (name: string) => boolean = () => true): void {
  for (const [name, ga] of a) {
    if (!only(name)) continue;
    const gb = b.get(name) as Float32Array;
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < ga.length; i++) {
      diff += ((ga[i] as number) - (gb[i] as number)) ** 2;
      norm += (gb[i] as number) ** 2;
    }
    expect(Math.sqrt(diff / Math.max(norm, 1e-30)), `${name}: relative difference`).toBeLessThan(relTol);
  }
}

const models: TinyModel[] = [];
afterAll(() => {
  for (const m of models) disposeParams(m.params);
});
function model(layers: 1 | 2, dataDim = 6, b = 3, images?: Float32Array): TinyModel {
  const m = tinyModel(layers, dataDim, b, 5, images);
  models.push(m);
  return m;
}

describe('the grouped and combined bounds reduce to VAE and IWAE where Rainforth et al. say', () => {
  for (const layers of [1, 2] as const) {
    it(`${layers} layer(s): MIWAE(1,K) = IWAE(K), MIWAE(M,1) = VAE with M samples, CIWAE(1) = VAE, CIWAE(0) = IWAE`, () => {
      const m = model(layers);
      const x = tf.tensor2d(m.x, [3, 6]);
      const eps = drawEps(m.arch, m.rng, 6, 3);
      const iwae = step({ objective: 'iwae', k: 6 }, m, x, eps);
      const vae = step({ objective: 'vae', k: 6 }, m, x, eps);
      const cases: [ObjectiveSpec, typeof iwae][] = [
        [{ objective: 'miwae', k: 6, m: 1 }, iwae],
        [{ objective: 'miwae', k: 1, m: 6 }, vae],
        [{ objective: 'ciwae', k: 6, beta: 1 }, vae],
        [{ objective: 'ciwae', k: 6, beta: 0 }, iwae],
      ];
      for (const [spec, expected] of cases) {
        const got = step(spec, m, x, eps);
        expect(got.loss, JSON.stringify(spec)).toBeCloseTo(expected.loss, 5);
        expectSameGrads(got.grads, expected.grads, 1e-5);
      }
      // And MIWAE with M > 1, K > 1 is neither: a looser bound than IWAE(M·K) on the same samples.
      const miwae = step({ objective: 'miwae', k: 3, m: 2 }, m, x, eps);
      expect(-miwae.loss).toBeLessThan(-iwae.loss);
      expect(-miwae.loss).toBeGreaterThan(-vae.loss);
      x.dispose();
      for (const e of eps) e.dispose();
    });
  }
});

const SPECS: ObjectiveSpec[] = [
  { objective: 'iwae-dreg', k: 5 },
  { objective: 'iwae-stl', k: 5 },
  { objective: 'miwae', k: 3, m: 2 },
  { objective: 'ciwae', k: 5, beta: 0.3 },
  { objective: 'piwae', k: 3, m: 2 },
];

function expectFastEqualsReference(m: TinyModel, b: number): void {
  const x = tf.tensor2d(m.x, [b, m.arch.dataDim]);
  for (const spec of SPECS) {
    const eps = drawEps(m.arch, m.rng, samplesOf(spec), b);
    const fast = step(spec, m, x, eps, fastOps);
    const reference = step(spec, m, x, eps, referenceOps);
    expect(fast.loss, spec.objective).toBeCloseTo(reference.loss, 2);
    expectSameGrads(fast.grads, reference.grads, 1e-4);
    for (const e of eps) e.dispose();
  }
  x.dispose();
}

describe('fast gradients equal autodiff (the reference path): DReG in one pass = DReG in two autodiff passes', () => {
  for (const layers of [1, 2] as const) {
    // The tiny model's normalised weights are spread over the samples (w̃² ≠ w̃); on MNIST at
    // initialisation one sample takes almost all the weight, but the fast kernels run there.
    it(`${layers} layer(s), tiny model and an MNIST batch: DReG, STL, MIWAE, CIWAE, PIWAE`, () => {
      expectFastEqualsReference(model(layers), 3);
      const b = 10;
      expectFastEqualsReference(model(layers, 784, b, loadMnistImages('train').images.subarray(0, b * 784)), b);
    });
  }
});

/** Central finite differences of f with respect to every element of the parameters named by `which`. */
function finiteDifferences(params: Params, which: (name: string) => boolean, f: () => number, h = 1e-2): Grads {
  const out: Grads = new Map();
  for (const [name, v] of params) {
    if (!which(name)) continue;
    const values = Float32Array.from(v.dataSync() as Float32Array);
    const g = new Float32Array(values.length);
    const at = (i: number, delta: number) => {
      const shifted = Float32Array.from(values);
      shifted[i] = (values[i] as number) + delta;
      tf.tidy(() => v.assign(tf.tensor(shifted, v.shape)));
      return f();
    };
    for (let i = 0; i < values.length; i++) g[i] = (at(i, h) - at(i, -h)) / (2 * h);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
    out.set(name, g);
  }
  return out;
}

describe('PIWAE: each parameter group follows its own bound (finite differences)', () => {
  it('decoder: −∇ IWAE(M·K); encoder: −∇ MIWAE(M, K); neither follows the other', () => {
    const m = model(1);
    const x = tf.tensor2d(m.x, [3, 6]);
    const spec: ObjectiveSpec = { objective: 'piwae', k: 3, m: 2 };
    const eps = drawEps(m.arch, m.rng, 6, 3);
    const got = step(spec, m, x, eps, referenceOps).grads;
    const lw = () => logWeights(referenceOps, m.params, m.arch, x, eps, 6);
    const iwae = () => tf.tidy(() => -(tf.mean(iwaeBound(lw())).dataSync()[0] as number));
    const miwae = () => tf.tidy(() => -(tf.mean(miwaeBound(lw(), 2)).dataSync()[0] as number));
    const decoder = (name: string) => !isEncoder(name);
    const near = (a: Grads, b: Grads) => {
      for (const [name, fd] of b) {
        const g = a.get(name) as Float32Array;
        fd.forEach((v, i) => {
          expect(Math.abs((g[i] as number) - v), `${name}[${i}]: ${g[i]} vs fd ${v}`).toBeLessThan(3e-3 + 2e-2 * Math.abs(v));
        });
      }
    };
    near(got, finiteDifferences(m.params, decoder, iwae));
    near(got, finiteDifferences(m.params, isEncoder, miwae));
    // The two bounds' encoder gradients differ here, so the check above can tell them apart.
    const other = finiteDifferences(m.params, isEncoder, iwae);
    let gap = 0;
    for (const [name, fd] of other) {
      const g = got.get(name) as Float32Array;
      for (let i = 0; i < fd.length; i++) gap = Math.max(gap, Math.abs((fd[i] as number) - (g[i] as number)));
    }
    expect(gap).toBeGreaterThan(0.02);
    x.dispose();
    for (const e of eps) e.dispose();
  });
});

describe('tensors', () => {
  it('every objective leaves no tensor behind but its loss and gradients', () => {
    const m = model(2);
    const x = tf.tensor2d(m.x, [3, 6]);
    for (const spec of [...SPECS, { objective: 'iwae', k: 4 } as ObjectiveSpec]) {
      for (const ops of [fastOps, referenceOps]) {
        const eps = drawEps(m.arch, m.rng, samplesOf(spec), 3);
        const before = tf.memory().numTensors;
        step(spec, m, x, eps, ops);
        expect(tf.memory().numTensors, `${spec.objective} ${ops.name}`).toBe(before);
        for (const e of eps) e.dispose();
      }
    }
    x.dispose();
  });
});
