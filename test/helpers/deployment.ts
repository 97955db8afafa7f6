import { killTree, startCli, tempDir } from './cli.ts';
import { deletePrefix, uniquePrefix } from './sweep-fixture.ts';

export const SHARED_REDIS = 'redis://127.0.0.1:6379';

export interface Deployment {
  env: Record<string, string>;
  prefix: string;
  /** The results DB file, the spec file, the shared checkpoint directory. */
  db: string;
  spec: string;
  ckpt: string;
  /** Starts a CLI process of this deployment (killed at cleanup). */
  start(args: string[], extraEnv?: Record<string, string>): ReturnType<typeof startCli>;
}

/**
 * A distributed deployment for one test: its own Redis prefix, DB, checkpoints and processes.
 * `onCleanup` receives what tears it down (kill processes, delete keys, remove files).
 */
export function testDeployment(
  label: string,
  specText: string,
  onCleanup: (fn: () => Promise<void>) => void,
  url = SHARED_REDIS,
): Deployment {
  const tmp = tempDir(label);
  const prefix = uniquePrefix(label);
  const env = { IWAE_SWEEP_PREFIX: prefix, IWAE_SWEEP_REDIS_URL: url };
  const procs: ReturnType<typeof startCli>[] = [];
  onCleanup(async () => {
    for (const p of procs) await killTree(p);
    await deletePrefix(url, prefix).catch(() => undefined);
    tmp.cleanup();
  });
  return {
    env,
    prefix,
    db: `${tmp.dir}/iwae.db`,
    spec: tmp.file(`${label}.yaml`, specText),
    ckpt: `${tmp.dir}/ckpt`,
    start: (args, extraEnv = {}) => {
      const p = startCli(args, { env: { ...env, ...extraEnv } });
      procs.push(p);
      return p;
    },
  };
}
