import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { fastOps } from './fast-ops.ts';
import { GradientMoments } from './grad-snr.ts';
import { isEncoder, type ObjectiveSpec, objectiveGradients } from './objectives.ts';
import { disposeParams, drawEps, tinyModel } from './test-fixtures.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

const B = 64;
const DRAWS = 40;
const model = tinyModel(1, 6, B, 11);
afterAll(() => disposeParams(model.params));

function encoderGrads(spec: ObjectiveSpec, x: tf.Tensor2D, eps: tf.Tensor2D[]): Map<string, Float32Array> {
  const { loss, grads, logW } = objectiveGradients(spec, { ops: fastOps, params: model.params, arch: model.arch, x, eps });
  loss.dispose();
  logW.dispose();
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.params) {
    const g = grads[v.name] as tf.Tensor;
    if (isEncoder(name)) out.set(name, Float32Array.from(g.dataSync() as Float32Array));
  }
  for (const g of Object.values(grads)) g.dispose();
  return out;
}

/**
 * Mean over the encoder's parameters of t², t = (mean difference)/(its standard error), for the
 * difference between an estimator and IWAE's on the same ε (paired, which removes most of the
 * noise they share). If both have the same expectation, t follows Student's t with DRAWS − 1
 * degrees of freedom, E[t²] = 39/37 ≈ 1.05, and the mean over ~60 parameters stays near 1.
 */
function meanSquaredT(spec: ObjectiveSpec): number {
  const x = tf.tensor2d(model.x, [B, 6]);
  const moments = new GradientMoments();
  for (let r = 0; r < DRAWS; r++) {
    const eps = drawEps(model.arch, model.rng, spec.k, B);
    const a = encoderGrads(spec, x, eps);
    const b = encoderGrads({ objective: 'iwae', k: spec.k }, x, eps);
    for (const e of eps) e.dispose();
    moments.add(new Map([...a].map(([name, g]) => [name, g.map((v, i) => v - ((b.get(name) as Float32Array)[i] as number))])));
  }
  x.dispose();
  let sum = 0;
  let n = 0;
  for (const name of moments.names()) {
    const mean = moments.meanOf(name);
    const variance = moments.varianceOf(name);
    mean.forEach((m, i) => {
      const v = variance[i] as number;
      if (v > 0) {
        sum += (m * m) / (v / DRAWS);
        n++;
      }
    });
  }
  expect(n).toBeGreaterThan(50);
  return sum / n;
}

describe('expected encoder gradients: DReG is unbiased, STL is biased for K > 1 (Tucker et al. 2019)', () => {
  it('DReG (K = 5) has IWAE’s expected gradient', () => {
    // The mean of ~60 t² values with E = 1.05 and sd ≈ 1.6 each (correlated): 2.5 is far out.
    expect(meanSquaredT({ objective: 'iwae-dreg', k: 5 })).toBeLessThan(2.5);
  });

  it('STL is unbiased at K = 1 (the ELBO) and biased at K = 5', () => {
    expect(meanSquaredT({ objective: 'iwae-stl', k: 1 })).toBeLessThan(2.5);
    expect(meanSquaredT({ objective: 'iwae-stl', k: 5 })).toBeGreaterThan(10);
  });
});
