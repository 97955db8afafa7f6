import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, type AdamOptions, PAPER_ADAM } from './adam.ts';
import { initBackend } from './backend.ts';
import type { Params } from './params.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

/**
 * Adam written out from Kingma & Ba (Algorithm 1) in float64, for one scalar parameter:
 * m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; θ ← θ − lr · (m/(1−β1^t)) / (√(v/(1−β2^t)) + ε).
 */
function adamByHand(theta: number, grads: number[], lrs: number[], o: AdamOptions): number[] {
  let m = 0;
  let v = 0;
  const out: number[] = [];
  grads.forEach((g, i) => {
    const t = i + 1;
    m = o.beta1 * m + (1 - o.beta1) * g;
    v = o.beta2 * v + (1 - o.beta2) * g * g;
    theta -= ((lrs[i] as number) * (m / (1 - o.beta1 ** t))) / (Math.sqrt(v / (1 - o.beta2 ** t)) + o.epsilon);
    out.push(theta);
  });
  return out;
}

function run(theta0: number[], grads: number[][], lrs: number[], o: AdamOptions): number[][] {
  const p = tf.variable(tf.tensor1d(theta0), true, 'adam_test_p');
  const params: Params = new Map([['p', p]]);
  const adam = new Adam(params, o);
  const out: number[][] = [];
  try {
    grads.forEach((g, i) => {
      const gt = tf.tensor1d(g);
      adam.apply({ [p.name]: gt }, lrs[i] as number);
      gt.dispose();
      out.push([...(p.dataSync() as Float32Array)]);
    });
  } finally {
    adam.dispose();
    p.dispose();
  }
  return out;
}

describe('Adam', () => {
  // Gradients comparable to ε, so that ε and both bias corrections move the numbers visibly:
  // dropping the correction of m (or of v, or ε) changes the first step by 10× (or 30 %, or 2×).
  const grads = [
    [1e-4, -3e-4, 2e-3],
    [2e-4, -1e-4, -1e-3],
    [-5e-5, 4e-4, 5e-4],
  ];
  const lrs = [1e-3, 1e-3, 5e-4];

  it('matches the closed-form steps of Kingma & Ba with bias correction and ε', () => {
    for (const o of [PAPER_ADAM, { beta1: 0.99, beta2: 0.999, epsilon: 1e-4 }, { beta1: 0.5, beta2: 0.9, epsilon: 1e-8 }]) {
      const got = run([0.5, -0.25, 0], grads, lrs, o);
      for (let j = 0; j < 3; j++) {
        const want = adamByHand(
          [0.5, -0.25, 0][j] as number,
          grads.map((g) => g[j] as number),
          lrs,
          o,
        );
        for (let s = 0; s < 3; s++) expect(got[s]?.[j]).toBeCloseTo(want[s] as number, 7);
      }
    }
  });

  it('takes a first step of lr·g/(|g|+ε): lr/2 when |g| = ε', () => {
    const [step1] = run([0], [[1e-4]], [1e-3], PAPER_ADAM);
    expect(step1?.[0]).toBeCloseTo(-5e-4, 8);
    // With ε ≪ |g| the first step is lr·sign(g), whatever the gradient's scale.
    const [big] = run([0, 0], [[3, -1e-2]], [1e-3], { ...PAPER_ADAM, epsilon: 1e-8 });
    expect(big?.[0]).toBeCloseTo(-1e-3, 8);
    expect(big?.[1]).toBeCloseTo(1e-3, 7);
  });

  it('resumes from its saved state exactly', () => {
    const p = tf.variable(tf.tensor1d([0.5, -0.25, 0]), true, 'adam_resume_p');
    const params: Params = new Map([['p', p]]);
    const a = new Adam(params);
    const g0 = tf.tensor1d(grads[0] as number[]);
    a.apply({ [p.name]: g0 }, 1e-3);
    const saved = a.state();
    const b = new Adam(params);
    b.load(saved);
    expect(b.step).toBe(1);
    const g1 = tf.tensor1d(grads[1] as number[]);
    const before = [...(p.dataSync() as Float32Array)];
    a.apply({ [p.name]: g1 }, 1e-3);
    const viaA = [...(p.dataSync() as Float32Array)];
    p.assign(tf.tensor1d(before));
    b.apply({ [p.name]: g1 }, 1e-3);
    expect([...(p.dataSync() as Float32Array)]).toEqual(viaA);
    for (const t of [g0, g1, p]) t.dispose();
    a.dispose();
    b.dispose();
  });
});
