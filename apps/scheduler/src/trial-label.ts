/** A short human name for a trial: "iwae 1L K=50 z=50 s0". */
export function trialLabel(t: { objective: string; layers: number; k: number; latent: number; seed: number }): string {
  return `${t.objective} ${t.layers}L K=${t.k} z=${t.latent} s${t.seed}`;
}
