/** Table 1 of Burda et al. (2016), MNIST test NLL (nats) and active units, for calibration. */
export const PAPER_TABLE1: Record<string, { nll: number; units: string }> = {
  'vae|1|1': { nll: 86.76, units: '19' },
  'vae|1|5': { nll: 86.47, units: '20' },
  'vae|1|50': { nll: 86.35, units: '20' },
  'iwae|1|1': { nll: 86.76, units: '19' },
  'iwae|1|5': { nll: 85.54, units: '22' },
  'iwae|1|50': { nll: 84.78, units: '25' },
  'vae|2|1': { nll: 85.33, units: '20+6' },
  'vae|2|5': { nll: 85.01, units: '21+5' },
  'vae|2|50': { nll: 84.78, units: '21+5' },
  'iwae|2|1': { nll: 85.33, units: '20+6' },
  'iwae|2|5': { nll: 83.89, units: '23+7' },
  'iwae|2|50': { nll: 82.9, units: '26+7' },
};

/** The paper's numbers apply to its architecture: 50 top latents (and 100 for z1). */
export function paperReference(objective: string, layers: number, k: number, latent: number) {
  return latent === 50 ? PAPER_TABLE1[`${objective}|${layers}|${k}`] : undefined;
}
