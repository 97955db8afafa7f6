import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors.ts';
import { loadMnistImages, mnistDataDir, parseIdx, takeImages } from './mnist.ts';

describe('MNIST IDX files', () => {
  it('loads 60k training and 10k test images of 28×28 with the well-known pixel means', () => {
    const train = loadMnistImages('train');
    const test = loadMnistImages('test');
    expect([train.n, train.pixels, train.images.length]).toEqual([60_000, 784, 60_000 * 784]);
    expect([test.n, test.pixels]).toEqual([10_000, 784]);
    // The mean intensity every MNIST tutorial normalises with: 0.1307 (train), 0.1325 (test).
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(train.images)).toBeCloseTo(0.1307, 4);
    expect(mean(test.images)).toBeCloseTo(0.1325, 4);
    // Byte sum of the first training image (a "5"), read independently from the raw file.
    const first = train.images.subarray(0, 784).reduce((s, v) => s + Math.round(v * 255), 0);
    expect(first).toBe(27_525);
    expect(Math.max(...train.images.subarray(0, 784))).toBe(1);
    expect(takeImages(train, 10).images.length).toBe(7840);
  });

  it('parses labels too: the test set starts 7 2 1 0 4 1 4 9 5 9', () => {
    const idx = parseIdx(readFileSync(join(mnistDataDir(), 't10k-labels-idx1-ubyte')));
    expect(idx.dims).toEqual([10_000]);
    expect([...idx.data.subarray(0, 10)]).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('rejects malformed IDX data with a clear error', () => {
    const good = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]);
    expect(parseIdx(good).dims).toEqual([2]);
    expect(() => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 2, 7, 9]))).toThrow(/bad magic/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 9, 1, 0, 0, 0, 2, 7, 9]))).toThrow(/not unsigned byte/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 9]), 'x.idx')).toThrow(DatasetError);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 7, 9]), 'x.idx')).toThrow(/x\.idx: 2 data bytes .*expected 3/);
    expect(() => takeImages(loadMnistImages('test'), 10_001)).toThrow(/asked for 10001/);
  });
});
