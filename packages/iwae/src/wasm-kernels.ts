import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Our SIMD kernels (kernels/kernels.c) for the tfjs wasm backend: tanh, and the Bernoulli
 * log-likelihood with its gradient, fused. The module imports the backend's own memory and works
 * on tensors in place, so a call costs no copy. Used by the fast path when the backend is wasm.
 */

export const KERNELS = {
  bernoulliLogLik: 'IwaeBernoulliLogLik',
  bernoulliGrad: 'IwaeBernoulliGrad',
  tanh: 'IwaeTanh',
} as const;

interface Exports {
  bernoulli_ll(logits: number, x: number, out: number, rows: number, b: number, d: number): void;
  bernoulli_grad(logits: number, x: number, dy: number, dl: number, rows: number, b: number, d: number): void;
  tanh_f32(input: number, out: number, n: number): void;
}

// The WebAssembly API, typed as far as used (TypeScript declares it only in the DOM library).
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** The parts of tfjs's wasm backend we use (it exposes no public types for them). */
interface WasmBackendInternals {
  wasm: { asm: { memory: object } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

let installed = false;

export function wasmKernelsInstalled(): boolean {
  return installed && tf.getBackend() === 'wasm';
}

/** Instantiates the kernels on the active wasm backend's memory and registers them with tfjs. */
export function installWasmKernels(): void {
  if (installed) return;
  const backend = tf.backend() as unknown as WasmBackendInternals;
  const memory = backend.wasm?.asm?.memory;
  if (!(memory instanceof Wasm.Memory)) throw new Error('the tfjs wasm backend does not expose its memory');
  const bytes = readFileSync(new URL('../kernels/kernels.wasm', import.meta.url));
  const { exports } = new Wasm.Instance(new Wasm.Module(bytes), { env: { memory } });
  const k = exports as unknown as Exports;
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;

  tf.registerKernel({
    kernelName: KERNELS.tanh,
    backendName: 'wasm',
    kernelFunc: ({ inputs }) => {
      const x = inputs.x as tf.TensorInfo;
      const out = backend.makeOutput(x.shape, 'float32');
      const n = x.shape.reduce((a, b) => a * b, 1);
      if (n > 0) k.tanh_f32(offset(x), offset(out), n);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: KERNELS.bernoulliLogLik,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const logits = inputs.logits as tf.TensorInfo;
      const x = inputs.x as tf.TensorInfo;
      const kk = (attrs as { k: number }).k;
      const [rows, d] = logits.shape as [number, number];
      const out = backend.makeOutput([kk, rows / kk], 'float32');
      if (rows > 0) k.bernoulli_ll(offset(logits), offset(x), offset(out), rows, rows / kk, d);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: KERNELS.bernoulliGrad,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const logits = inputs.logits as tf.TensorInfo;
      const x = inputs.x as tf.TensorInfo;
      const dy = inputs.dy as tf.TensorInfo;
      const kk = (attrs as { k: number }).k;
      const [rows, d] = logits.shape as [number, number];
      const out = backend.makeOutput([rows, d], 'float32');
      if (rows > 0) k.bernoulli_grad(offset(logits), offset(x), offset(dy), offset(out), rows, rows / kk, d);
      return out;
    },
  });
  installed = true;
}
