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
import { loadMnistImages, takeImages } from './mnist.ts';
import { runTrial } from './run-trial.ts';
import { tinyConfig } from './test-fixtures.ts';
import { IwaeTrainer } from './trainer.ts';

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
