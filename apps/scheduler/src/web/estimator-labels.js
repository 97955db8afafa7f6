// @ts-check
// How an estimator and its samples are named, one way for the terminal, the report and the
// dashboard (which imports this file as a module). miwae and piwae draw m groups of K samples:
// their bound uses m·K samples per data point, so "K=10" alone would read as a tenth of the
// cost of an IWAE-100 when it is half.

/**
 * "K=50", or "M=5 × K=10" when the trial draws m groups of K (only miwae and piwae keep an m:
 * the normalised config drops it for the other objectives).
 * @param {{ k: number | string, m?: number | string | null | undefined }} t
 */
export const samplesLabel = (t) => (t.m === null || t.m === undefined ? `K=${t.k}` : `M=${t.m} × K=${t.k}`);

/**
 * An estimator as tables and legends name it: the objective with its m or β ("miwae M=5",
 * "ciwae β=0.5", "iwae-dreg").
 * @param {{ objective: string, m?: number | null | undefined, beta?: number | null | undefined }} t
 */
export function estimatorName(t) {
  if (t.m !== null && t.m !== undefined) return `${t.objective} M=${t.m}`;
  if (t.beta !== null && t.beta !== undefined) return `${t.objective} β=${t.beta}`;
  return t.objective;
}

/**
 * A trial as the terminal, chart legends and the trial page name it (plain text: escape it for
 * HTML): "iwae 1L K=50 z=50 s0", "miwae 1L M=5 × K=10 z=50 s0".
 * @param {{ objective: string, layers: number, k: number, m?: number | null | undefined, latent: number, seed: number }} t
 */
export const trialLabel = (t) => `${t.objective} ${t.layers}L ${samplesLabel(t)} z=${t.latent} s${t.seed}`;
