import { z } from 'zod';

/**
 * Compute backends a trial can run on. `auto` picks the fastest one installed:
 * tensorflow-gpu > tensorflow > wasm.
 */
export const BACKEND_NAMES = ['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'] as const;
export const backendNameSchema = z.enum(BACKEND_NAMES);
export type BackendName = z.infer<typeof backendNameSchema>;
