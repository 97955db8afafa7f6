import { describe, expect, it } from 'vitest';
import { fitLogLog } from './log-log-fit.ts';

describe('fitLogLog', () => {
  it('recovers an exact power law: slope, intercept, and a zero standard error', () => {
    const fit = fitLogLog([1, 5, 10, 50].map((x) => ({ x, y: 3 * x ** -0.5 })));
    expect(fit?.slope).toBeCloseTo(-0.5, 12);
    expect(fit?.intercept).toBeCloseTo(Math.log(3), 12);
    expect(fit?.slopeSe).toBeCloseTo(0, 12);
    expect(fit?.n).toBe(4);
  });

  it('gives the textbook standard error √(s²/Sxx) on noisy data', () => {
    // ln y = 2·ln x + e with residuals +0.1, −0.2, +0.1 at ln x = 0, 1, 2: the fit keeps slope 2
    // (the residuals are orthogonal to ln x and sum to 0), s² = 0.06/1 and Sxx = 2.
    const e = [0.1, -0.2, 0.1];
    const fit = fitLogLog([0, 1, 2].map((u, i) => ({ x: Math.exp(u), y: Math.exp(2 * u + (e[i] as number)) })));
    expect(fit?.slope).toBeCloseTo(2, 12);
    expect(fit?.slopeSe).toBeCloseTo(Math.sqrt(0.06 / 2), 12);
  });

  it('has no slope without two distinct x, no error with two points, and skips what has no logarithm', () => {
    expect(fitLogLog([])).toBeNull();
    expect(
      fitLogLog([
        { x: 5, y: 1 },
        { x: 5, y: 2 },
      ]),
    ).toBeNull();
    const two = fitLogLog([
      { x: 1, y: 1 },
      { x: 0, y: 4 },
      { x: 10, y: 0 },
      { x: 4, y: 2 },
    ]);
    expect(two).toMatchObject({ n: 2, slopeSe: null });
    expect(two?.slope).toBeCloseTo(0.5, 12);
  });
});
