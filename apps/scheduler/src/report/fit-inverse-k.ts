/**
 * Least-squares fit of L_k ≈ a − b/k (the large-K bias law: the gap to log p(x) shrinks like
 * 1/K, iwae.md). `a` estimates log p(x); b/k is the gap at k. Needs two distinct k.
 */
export interface InverseKFit {
  a: number;
  b: number;
  /** Coefficient of determination of the fit on its points. */
  r2: number;
  points: number;
}

export function fitInverseK(points: { k: number; bound: number }[]): InverseKFit | undefined {
  const xs = points.map((p) => 1 / p.k);
  const ys = points.map((p) => p.bound);
  const n = points.length;
  if (n < 2 || new Set(xs).size < 2) return undefined;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const slope = sxy / sxx;
  const a = my - slope * mx;
  let ssr = 0;
  for (let i = 0; i < n; i++) ssr += ((ys[i] as number) - (a + slope * (xs[i] as number))) ** 2;
  return { a, b: -slope, r2: syy > 0 ? 1 - ssr / syy : 1, points: n };
}
