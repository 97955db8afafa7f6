import { AUTO_BACKENDS, type BackendName } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
// Autodiff needs the gradient registry. tfjs-core's Node build ships the ops without it and its
// ESM build cannot be loaded by Node; the union package's Node build registers all gradients.
import '@tensorflow/tfjs';
import { BackendUnavailableError } from './errors.ts';
import { installWasmKernels } from './wasm-kernels.ts';

export interface BackendInfo {
  /** What was asked for. */
  requested: BackendName;
  /** What runs: wasm, cpu, tensorflow or tensorflow-gpu. */
  name: Exclude<BackendName, 'auto'>;
  /** tfjs backend name as registered in the engine. */
  tfBackend: string;
}

export interface BackendOptions {
  /** Pin the tensorflow-gpu backend to one device (sets CUDA_VISIBLE_DEVICES before loading). */
  gpu?: number;
}

// Loaded through a variable so that TypeScript and bundlers do not require the optional
// native packages, which cannot be installed on every machine.
async function importOptional(specifier: string): Promise<void> {
  await import(specifier);
}

async function loadNative(name: 'tensorflow' | 'tensorflow-gpu', opts: BackendOptions): Promise<void> {
  const pkg = name === 'tensorflow' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu';
  if (name === 'tensorflow-gpu' && opts.gpu !== undefined) process.env.CUDA_VISIBLE_DEVICES = String(opts.gpu);
  try {
    await importOptional(pkg);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
        ? `${pkg} is not installed (it needs its native TensorFlow library; see infra/worker-gpu.Dockerfile)`
        : `${pkg} failed to load: ${(err as Error).message}`;
    throw new BackendUnavailableError(name, reason, { cause: err });
  }
}

let active: BackendInfo | undefined;

/**
 * Loads and activates a compute backend. `auto` picks tensorflow-gpu, then tensorflow, then wasm,
 * whichever loads first. Call once per process; later calls must ask for the same backend.
 */
export async function initBackend(requested: BackendName, opts: BackendOptions = {}): Promise<BackendInfo> {
  if (active) {
    if (requested === active.requested || requested === active.name) return active;
    throw new BackendUnavailableError(requested, `this process already runs on "${active.name}"`);
  }
  const candidates: readonly Exclude<BackendName, 'auto'>[] = requested === 'auto' ? AUTO_BACKENDS : [requested];
  let lastError: unknown;
  for (const name of candidates) {
    try {
      const tfBackend = await activate(name, opts);
      active = { requested, name, tfBackend };
      return active;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError instanceof Error ? lastError : new BackendUnavailableError(requested, String(lastError));
}

async function activate(name: Exclude<BackendName, 'auto'>, opts: BackendOptions): Promise<string> {
  let tfBackend: string;
  switch (name) {
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      tfBackend = 'wasm';
      break;
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      tfBackend = 'cpu';
      break;
    case 'tensorflow':
    case 'tensorflow-gpu':
      await loadNative(name, opts);
      tfBackend = 'tensorflow';
      break;
  }
  // The wasm backend's Emscripten glue installs process-wide uncaughtException and
  // unhandledRejection handlers that rethrow, printing its whole minified source with any
  // unrelated error. Keep the process's own handling: drop the handlers it added.
  const before = {
    uncaughtException: new Set(process.listeners('uncaughtException')),
    unhandledRejection: new Set(process.listeners('unhandledRejection')),
  };
  // Production mode: no debug checks, and no "install tfjs-node" banner on the cpu backend.
  tf.env().set('PROD', true);
  const ok = await tf.setBackend(tfBackend);
  await tf.ready();
  for (const l of process.listeners('uncaughtException')) {
    if (!before.uncaughtException.has(l)) process.removeListener('uncaughtException', l);
  }
  for (const l of process.listeners('unhandledRejection')) {
    if (!before.unhandledRejection.has(l)) process.removeListener('unhandledRejection', l);
  }
  if (!ok) throw new BackendUnavailableError(name, `tfjs could not initialise the "${tfBackend}" backend`);
  if (tfBackend === 'wasm') installWasmKernels();
  return tfBackend;
}

/** The backend activated by {@link initBackend}, if any. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}
