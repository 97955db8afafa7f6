import { createHash } from 'node:crypto';

/** Serializable state of an {@link Rng}: four 32-bit words. */
export type RngState = [number, number, number, number];

/**
 * xoshiro128** (Blackman & Vigna): a small, fast PRNG whose whole state is four uint32 words, so
 * it can be saved in a checkpoint and restored bit-exactly. All randomness of a trial (init,
 * shuffling, binarisation, ε) comes from instances of this class, which is what makes a seed
 * reproducible across machines and resumes.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(state: RngState) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v >>> 0) as RngState;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is a fixed point
  }

  /** An independent stream for (seed, label): e.g. `Rng.fromSeed(7, 'init')`. */
  static fromSeed(seed: number, label = ''): Rng {
    const digest = createHash('sha256').update(`${seed}\u0000${label}`).digest();
    return new Rng([digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)]);
  }

  state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    if (!(n > 0) || n > 4294967296) throw new RangeError(`nextInt: n must be in (0, 2^32], got ${n}`);
    // Rejection sampling avoids modulo bias.
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const v = this.nextUint32();
      if (v < limit) return v % n;
    }
  }

  /** Fills `out` with standard normal draws (Box–Muller, in pairs; an odd tail discards one). */
  fillNormal(out: Float32Array | Float64Array): void {
    const n = out.length;
    for (let i = 0; i < n; i += 2) {
      // 1 - u keeps the log argument in (0, 1].
      const u1 = 1 - this.nextFloat();
      const u2 = this.nextFloat();
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = 2 * Math.PI * u2;
      out[i] = r * Math.cos(theta);
      if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
    }
  }

  /** Fills `out` with uniform draws in [lo, hi). */
  fillUniform(out: Float32Array | Float64Array, lo = 0, hi = 1): void {
    const span = hi - lo;
    for (let i = 0; i < out.length; i++) out[i] = lo + span * this.nextFloat();
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = a[i] as number;
      a[i] = a[j] as number;
      a[j] = tmp;
    }
    return a;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
