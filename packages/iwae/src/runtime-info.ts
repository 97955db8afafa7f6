import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RuntimeInfo } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendInfo } from './backend.ts';
import { wasmKernelsInstalled } from './wasm-kernels.ts';

const BACKEND_PACKAGES: Record<BackendInfo['name'], string> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};

function packageVersion(name: string): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * What a trial's numbers were computed with. Results are bit-identical across runs only when all
 * of it is equal (verified on wasm): another tfjs version, backend, SIMD/thread setting or kernel
 * build may round differently.
 */
export async function runtimeInfo(backend: BackendInfo): Promise<RuntimeInfo> {
  const details: Record<string, string | number | boolean> = {};
  if (backend.tfBackend === 'wasm') {
    details.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    details.threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  if (backend.tfBackend === 'tensorflow') {
    // tfjs-node's binding reports the TensorFlow C library it loaded.
    const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
    if (binding?.TF_Version) details.libtensorflow = binding.TF_Version;
  }
  const backendVersion = packageVersion(BACKEND_PACKAGES[backend.name]);
  return {
    backend: backend.name,
    tfBackend: backend.tfBackend,
    tfjs: tf.version_core,
    ...(backendVersion ? { backendVersion } : {}),
    ...(Object.keys(details).length ? { details } : {}),
    ...(wasmKernelsInstalled() ? { kernels: `kernels.wasm sha256:${kernelsDigest()}` } : {}),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
  };
}

let digest: string | undefined;
function kernelsDigest(): string {
  digest ??= createHash('sha256')
    .update(readFileSync(new URL('../kernels/kernels.wasm', import.meta.url)))
    .digest('hex')
    .slice(0, 16);
  return digest;
}
