import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { DirectoryCheckpointStore } from './checkpoint-store.ts';
import { CheckpointError } from './errors.ts';
import { evaluateBound } from './evaluate.ts';
import { type ImageSet, loadMnistImages, takeImages } from './mnist.ts';
import { runTrial } from './run-trial.ts';
import { tinyConfig } from './test-fixtures.ts';
import { IwaeTrainer } from './trainer.ts';
import { validationBound, validationImages } from './validation.ts';

const dir = mkdtempSync(join(tmpdir(), 'iwae-trainer-'));
beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = () => takeImages(loadMnistImages('train'), 1000);

function paramsOf(t: IwaeTrainer): Float32Array[] {
  return [...t.params.values()].map((v) => Float32Array.from(v.dataSync() as Float32Array));
}

describe('IwaeTrainer', () => {
  it('is deterministic: same seed and config give bit-identical metrics and weights', () => {
    const config = tinyConfig({ layers: 2, epochs: 2 });
    const a = new IwaeTrainer(config, train());
    const b = new IwaeTrainer(config, train());
    const ma = [a.trainEpoch(), a.trainEpoch()].map((m) => m.trainBound);
    const mb = [b.trainEpoch(), b.trainEpoch()].map((m) => m.trainBound);
    expect(ma).toEqual(mb);
    expect(paramsOf(a)).toEqual(paramsOf(b));
    const c = new IwaeTrainer(tinyConfig({ layers: 2, epochs: 2, seed: 1 }), train());
    expect(c.trainEpoch().trainBound).not.toBe(ma[0]);
    for (const t of [a, b, c]) t.dispose();
  });

  it('resumes from a checkpoint after epoch e to the same result as an uninterrupted run', () => {
    const config = tinyConfig({ epochs: 3, objective: 'iwae', k: 3 });
    const whole = new IwaeTrainer(config, train());
    const wholeBounds = [whole.trainEpoch(), whole.trainEpoch(), whole.trainEpoch()].map((m) => m.trainBound);

    const first = new IwaeTrainer(config, train());
    first.trainEpoch();
    first.trainEpoch();
    const saved = encodeCheckpoint(config, first.state());
    first.dispose();

    const resumed = new IwaeTrainer(config, train());
    resumed.restore(decodeCheckpoint(saved, config));
    expect(resumed.epoch).toBe(2);
    expect(resumed.trainEpoch().trainBound).toBe(wholeBounds[2]);
    expect(resumed.history.map((m) => m.trainBound)).toEqual(wholeBounds);
    expect(paramsOf(resumed)).toEqual(paramsOf(whole));
    whole.dispose();
    resumed.dispose();
  });

  it('records both training bounds per epoch from the same log weights, the objective being one of them', () => {
    for (const [objective, k] of [
      ['vae', 5],
      ['iwae', 5],
      ['vae', 1],
    ] as const) {
      const t = new IwaeTrainer(tinyConfig({ objective, k, epochs: 2 }), train());
      for (const m of [t.trainEpoch(), t.trainEpoch()]) {
        const { trainElbo, trainIwae } = m as Required<typeof m>;
        // The VAE optimises the ELBO estimate, the IWAE L_K: the objective is exactly one of them.
        expect(m.trainBound).toBe(objective === 'vae' ? trainElbo : trainIwae);
        // Jensen per image: mean_k log w ≤ log mean_k w, with equality at K = 1.
        if (k === 1) expect(trainIwae).toBe(trainElbo);
        else expect(trainIwae).toBeGreaterThan(trainElbo + 0.1);
      }
      t.dispose();
    }
  });

  it('sums the loss over the batch on request: sum with ε trains exactly as mean with ε/b', () => {
    // Adam is invariant to the gradient's scale except through ε: a summed loss scales the
    // gradient by b, so it acts as ε/b. With b a power of two every scaling is exact in float.
    const base = { epochs: 2, batchSize: 64, trainSize: 256, k: 3 };
    const sum = new IwaeTrainer(tinyConfig({ ...base, lossReduction: 'sum', epsilon: 1e-4 }), train());
    const mean = new IwaeTrainer(tinyConfig({ ...base, epsilon: 1e-4 / 64 }), train());
    const plain = new IwaeTrainer(tinyConfig(base), train());
    const [bs, bm, bp] = [sum, mean, plain].map((t) => [t.trainEpoch(), t.trainEpoch()].map((m) => m.trainBound));
    // Compared as bytes: a failing toEqual on 200k floats would spend minutes printing its diff.
    const bytes = (t: IwaeTrainer) => Buffer.concat(paramsOf(t).map((a) => Buffer.from(a.buffer)));
    expect(bytes(sum).equals(bytes(mean))).toBe(true);
    expect(bytes(sum).equals(bytes(plain))).toBe(false);
    // The bound stays per image whatever the reduction.
    for (const [i, b] of (bs ?? []).entries()) expect(b).toBeCloseTo(bm?.[i] as number, 3);
    expect(bp?.[1]).not.toBe(bs?.[1]);
    for (const t of [sum, mean, plain]) t.dispose();
  });

  it('rejects checkpoints of another config and corrupt files', () => {
    const config = tinyConfig({ epochs: 1 });
    const t = new IwaeTrainer(config, train());
    t.trainEpoch();
    const buf = encodeCheckpoint(config, t.state());
    t.dispose();
    expect(() => decodeCheckpoint(buf, tinyConfig({ epochs: 1, k: 6 }), 'a.ckpt')).toThrow(/another trial config/);
    const corrupt = Buffer.from(buf);
    corrupt[corrupt.length - 5] = (corrupt[corrupt.length - 5] as number) ^ 0xff;
    expect(() => decodeCheckpoint(corrupt, config, 'b.ckpt')).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(buf.subarray(0, buf.length - 100), config)).toThrow(/checksum/);
    expect(() => decodeCheckpoint(Buffer.from('hello world'), config)).toThrow(/bad magic/);
    // The header is hashed too: one digit of the epoch edited (same length) is refused.
    const header = buf.indexOf('"epoch":1,');
    expect(header).toBeGreaterThan(0);
    const edited = Buffer.from(buf);
    edited.write('"epoch":0,', header, 'latin1');
    expect(() => decodeCheckpoint(edited, config, 'c.ckpt')).toThrow(/checkpoint c\.ckpt: checksum mismatch/);
  });

  it('leaks no tensors: tf.memory().numTensors is the same after every epoch and evaluation', async () => {
    const config = tinyConfig({ epochs: 3, layers: 2 });
    const t = new IwaeTrainer(config, train());
    const counts: number[] = [];
    for (let e = 0; e < 3; e++) {
      t.trainEpoch();
      counts.push(tf.memory().numTensors);
    }
    await evaluateBound(t.ops, t.params, t.arch, takeImages(loadMnistImages('test'), 20), { k: 30, ks: [1, 5], seed: 0 });
    counts.push(tf.memory().numTensors);
    expect(new Set(counts).size).toBe(1);
    const before = tf.memory().numTensors;
    t.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('evaluates the same bound whether the K samples come in one chunk or many', async () => {
    const t = new IwaeTrainer(tinyConfig(), train());
    const test = takeImages(loadMnistImages('test'), 3);
    const one = await evaluateBound(t.ops, t.params, t.arch, test, { k: 200, seed: 3, maxRows: 200 });
    const many = await evaluateBound(t.ops, t.params, t.arch, test, { k: 200, seed: 3, maxRows: 30 });
    expect(many.bound).toBeCloseTo(one.bound, 3);
    t.dispose();
  });
});

describe('the validation bound', () => {
  it('holds out the last images of the training split, never the ones it trains on', () => {
    const split = loadMnistImages('train');
    const v = validationImages(tinyConfig({ trainSize: 1000, validationSize: 400 }), split) as ImageSet;
    expect(v.n).toBe(400);
    expect(v.images).toEqual(split.images.subarray(59_600 * 784));
    expect(validationImages(tinyConfig({ trainSize: 1000 }), split)).toBeUndefined();
    expect(() => validationImages(tinyConfig({ trainSize: 100, validationSize: 50 }), train())).toThrow(/whole 60000/);
  });

  it('is recorded every epoch at validationK, improves as the model learns, and leaves training untouched', async () => {
    const base = { trainSize: 500, testSize: 20, batchSize: 50, k: 5, epochs: 3, evalK: 10 };
    const config = tinyConfig({ ...base, validationSize: 100, validationK: 50 });
    const store = new DirectoryCheckpointStore(dir);
    const seen: (number | undefined)[] = [];
    const withVal = await runTrial(config, {
      backend: 'wasm',
      checkpoints: { store, key: 'trial-val' },
      onEpoch: (m) => {
        seen.push(m.validationBound);
      },
    });
    const v = withVal.epochs.map((m) => m.validationBound as number);
    expect(seen).toEqual(v);
    expect(v.every(Number.isFinite)).toBe(true);
    expect(v[2]).toBeGreaterThan((v[0] as number) + 3);
    // It is L_50 on the held-out images: the trainer's own evaluation of them gives the same number.
    const t = new IwaeTrainer(config, train());
    t.restore(decodeCheckpoint((await store.load('trial-val')) as Buffer, config));
    const held = validationImages(config, loadMnistImages('train')) as ImageSet;
    expect(await validationBound(t, held)).toBe(v[2]);
    const l1 = await evaluateBound(t.ops, t.params, t.arch, held, { k: 1, seed: 0 });
    expect(v[2]).toBeGreaterThan(l1.bound);
    t.dispose();
    // The same trial without validation trains bit-identically: evaluation draws from its own stream.
    const without = await runTrial(tinyConfig(base), { backend: 'wasm' });
    expect(without.epochs.map((m) => m.trainBound)).toEqual(withVal.epochs.map((m) => m.trainBound));
    expect(without.epochs.every((m) => m.validationBound === undefined)).toBe(true);
  });
});

describe('runTrial on real MNIST', () => {
  it('improves the bound over epochs, reports the results, and resumes from its checkpoint store', async () => {
    const config = tinyConfig({ trainSize: 1000, testSize: 100, batchSize: 50, k: 5, epochs: 4, evalK: 100, evalKs: [1, 10] });
    const store = new DirectoryCheckpointStore(dir);
    const seen: number[] = [];
    const result = await runTrial(config, {
      backend: 'wasm',
      checkpoints: { store, key: 'trial-a' },
      onEpoch: (m) => {
        seen.push(m.epoch);
      },
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    const bounds = result.epochs.map((m) => m.trainBound);
    expect(bounds[3]).toBeGreaterThan((bounds[0] as number) + 5);
    expect(result.testNll).toBeCloseTo(-result.testBound, 9);
    expect(result.testNll).toBeGreaterThan(50);
    expect(result.testNll).toBeLessThan(400);
    // L_1 ≤ L_10 ≤ L_100 on the same samples (the bound tightens with K).
    const b = result.testBoundsByK;
    expect(b[1]).toBeLessThan(b[10] as number);
    expect(b[10]).toBeLessThan(result.testBound);
    expect(result.activeUnitsPerLayer).toHaveLength(1);
    expect(result.activeUnits).toBeGreaterThan(0);
    expect(result.backend).toBe('wasm');
    // What a reader needs to know whether bit-identity holds for them.
    expect(result.runtime).toMatchObject({ backend: 'wasm', tfBackend: 'wasm', tfjs: '4.22.0', backendVersion: '4.22.0' });
    expect(result.runtime?.details).toHaveProperty('simd');
    expect(result.runtime?.kernels).toMatch(/^kernels\.wasm sha256:[0-9a-f]{16}$/);
    // The jackknife lies above L_K for a model whose weights vary; ESS is between 1 and evalK.
    expect(result.testJackknife).toBeGreaterThan(result.testBound);
    expect(result.testEssMedian).toBeGreaterThanOrEqual(1);
    expect(result.testEssMean).toBeLessThanOrEqual(100);
    expect(result.resumedFromEpoch).toBe(0);

    // A second run with the same store finds the finished checkpoint and only evaluates.
    const again = await runTrial(config, { backend: 'wasm', checkpoints: { store, key: 'trial-a' } });
    expect(again.resumedFromEpoch).toBe(4);
    expect(again.testBound).toBe(result.testBound);
    expect(again.epochs).toEqual(result.epochs);

    // An edited checkpoint is refused once, deleted, and the trial trains again from scratch.
    const file = store.describe('trial-a');
    const bytes = readFileSync(file);
    bytes.write('"adamStep":7', bytes.indexOf('"adamStep":'), 'latin1');
    writeFileSync(file, bytes);
    const rejected: string[] = [];
    const fresh = await runTrial(config, {
      backend: 'wasm',
      checkpoints: { store, key: 'trial-a' },
      onCheckpointRejected: (err) => {
        rejected.push(err.message);
      },
    });
    expect(rejected).toEqual([`checkpoint ${file}: checksum mismatch (edited, truncated or corrupt file)`]);
    expect(fresh.resumedFromEpoch).toBe(0);
    expect(fresh.testBound).toBe(result.testBound);
    expect(decodeCheckpoint(readFileSync(file), config).epoch).toBe(4);
  });
});
