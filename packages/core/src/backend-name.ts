import { z } from 'zod';

/**
 * Compute backends a trial can run on. `auto` picks the fastest one installed:
 * tensorflow-gpu > tensorflow > wasm.
 */
export const BACKEND_NAMES = ['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'] as const;
export const backendNameSchema = z.enum(BACKEND_NAMES);
export type BackendName = z.infer<typeof backendNameSchema>;

/** What `auto` tries, in order: the first that loads runs the trial (never `cpu`, the slowest). */
export const AUTO_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm'] as const satisfies readonly BackendName[];
