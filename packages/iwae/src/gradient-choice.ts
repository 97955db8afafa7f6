import type { BackendName } from '@iwae-sweep/core';
import type { GradientPath } from './layer-ops.ts';

/**
 * The gradient path a trial uses on each backend when none is asked for, chosen on measurements
 * (`pnpm bench engine`: 1-layer IWAE, K=50, batch 100, one core) and never slower than tfjs
 * autodiff where it could be measured:
 * - wasm: hand-written gradients 286 examples/s against autodiff 51: `fast`;
 * - cpu (tfjs-cpu): hand-written 14.6 against autodiff 17.0: `reference` (autodiff);
 * - tensorflow, tensorflow-gpu: not measurable here (their native library cannot be installed on
 *   these machines): `reference`, tfjs's own path, until `scripts/gpu-check.sh` shows otherwise.
 * The choice is recorded in each trial's result (`gradient`).
 */
const MEASURED_CHOICE: Record<Exclude<BackendName, 'auto'>, GradientPath> = {
  wasm: 'fast',
  cpu: 'reference',
  tensorflow: 'reference',
  'tensorflow-gpu': 'reference',
};

export function gradientFor(backend: Exclude<BackendName, 'auto'>): GradientPath {
  return MEASURED_CHOICE[backend];
}
