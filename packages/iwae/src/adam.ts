import * as tf from '@tensorflow/tfjs-core';
import type { Params } from './params.ts';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** The paper's settings: β1 0.9, β2 0.999, ε 1e-4. */
export const PAPER_ADAM: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-4 };

export interface AdamState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

/**
 * Adam (Kingma & Ba) over named parameters, with its moments held as tensors. Its whole state
 * can be read and restored, so that a resumed trial continues bit-exactly.
 */
export class Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;

  constructor(
    private readonly params: Params,
    private readonly opts: AdamOptions = PAPER_ADAM,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  get step(): number {
    return this.t;
  }

  /**
   * One descent step on `grads` (gradients of the loss, keyed by variable name as
   * tf.variableGrads returns them) with learning rate `lr`.
   */
  apply(grads: tf.NamedTensorMap, lr: number): void {
    this.t += 1;
    const { beta1, beta2, epsilon } = this.opts;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    // θ ← θ − lr·m̂/(√v̂ + ε) with m̂ = m/c1, v̂ = v/c2, rewritten to scale once per tensor.
    const stepSize = (lr * Math.sqrt(c2)) / c1;
    const epsHat = epsilon * Math.sqrt(c2);
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads[p.name];
        // A parameter without a gradient means the model and optimiser disagree: never skip silently.
        if (!g) throw new RangeError(`no gradient for parameter ${name}`);
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m1);
        v.assign(v1);
        p.assign(tf.sub(p, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsHat)), stepSize)));
      }
    });
  }

  state(): AdamState {
    const read = (src: Map<string, tf.Variable>) =>
      new Map([...src].map(([name, t]) => [name, Float32Array.from(t.dataSync() as Float32Array)]));
    return { step: this.t, m: read(this.m), v: read(this.v) };
  }

  load(state: AdamState): void {
    this.t = state.step;
    for (const [dst, src] of [
      [this.m, state.m],
      [this.v, state.v],
    ] as const) {
      for (const [name, t] of dst) {
        const values = src.get(name);
        if (!values || values.length !== t.size) throw new RangeError(`Adam state for ${name} is missing or has the wrong size`);
        tf.tidy(() => t.assign(tf.tensor(values, t.shape, 'float32')));
      }
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
