import type { Rng } from '@iwae-sweep/core';

/**
 * Dynamic binarisation: each pixel becomes 1 with probability equal to its intensity, freshly
 * every time an image is used (the paper does this for training and evaluation alike).
 * Writes rows `indices` of `images` into `out` (row-major, `pixels` per row).
 */
export function binarizeRows(
  images: Float32Array,
  pixels: number,
  indices: ArrayLike<number>,
  rng: Rng,
  out: Float32Array,
): Float32Array {
  let o = 0;
  for (let r = 0; r < indices.length; r++) {
    const base = (indices[r] as number) * pixels;
    for (let p = 0; p < pixels; p++) out[o++] = rng.nextFloat() < (images[base + p] as number) ? 1 : 0;
  }
  return out;
}
