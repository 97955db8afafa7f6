/** A least-squares line through (ln x, ln y): y ≈ e^intercept · x^slope. */
export interface LogLogFit {
  slope: number;
  /**
   * Standard error of the slope, √(s² / Σ(ln x − mean)²) with s² the residual variance on n − 2
   * degrees of freedom; null with only two points (a line through two points has no residual).
   */
  slopeSe: number | null;
  intercept: number;
  /** Points fitted (those with x > 0 and y > 0). */
  n: number;
}

/**
 * Fits ln y = a + b ln x by ordinary least squares. Points with x ≤ 0 or y ≤ 0 have no logarithm
 * and are left out; null when fewer than two distinct x remain (no slope is defined).
 */
export function fitLogLog(points: readonly { x: number; y: number }[]): LogLogFit | null {
  const logs = points
    .filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y))
    .map((p) => ({ u: Math.log(p.x), v: Math.log(p.y) }));
  const n = logs.length;
  if (n < 2) return null;
  const mu = logs.reduce((a, p) => a + p.u, 0) / n;
  const mv = logs.reduce((a, p) => a + p.v, 0) / n;
  const suu = logs.reduce((a, p) => a + (p.u - mu) ** 2, 0);
  if (suu === 0) return null;
  const slope = logs.reduce((a, p) => a + (p.u - mu) * (p.v - mv), 0) / suu;
  const intercept = mv - slope * mu;
  const ssr = logs.reduce((a, p) => a + (p.v - intercept - slope * p.u) ** 2, 0);
  return { slope, slopeSe: n > 2 ? Math.sqrt(ssr / (n - 2) / suu) : null, intercept, n };
}
