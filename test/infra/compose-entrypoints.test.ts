import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanupAfterEach } from '../helpers/cleanups.ts';
import { REPO, tempDir } from '../helpers/cli.ts';

// Docker is not here, but the compose file's entrypoints are shell: run each service's
// entrypoint + command as the container would, with a stand-in `node` that records what it was
// given, and check every service reaches its program with the Redis URL built from the env file.
const compose = parse(readFileSync(join(REPO, 'infra/docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { entrypoint?: string[]; command?: string[]; environment?: Record<string, string> }>;
};
const onCleanup = cleanupAfterEach();

/** Compose's own interpolation of what reaches the container: `$$` is a literal `$`. */
const composeDollars = (s: string) => s.replaceAll('$$', '$');

function runEntrypoint(service: string): { argv: string[]; url: string } {
  const svc = compose.services[service];
  if (!svc?.entrypoint) throw new Error(`service ${service} has no entrypoint`);
  const tmp = tempDir(`compose-${service}`);
  onCleanup(tmp.cleanup);
  const record = tmp.file('node.json');
  const fakeNode = tmp.file('node', `#!/bin/sh\nprintf '%s\\n' "$IWAE_SWEEP_REDIS_URL" "$@" > ${JSON.stringify(record)}\n`);
  chmodSync(fakeNode, 0o755);
  const [exe, ...args] = [...svc.entrypoint, ...(svc.command ?? [])].map(composeDollars);
  const r = spawnSync(exe as string, args, {
    cwd: REPO,
    env: { PATH: `${tmp.dir}:${process.env.PATH}`, REDIS_PASSWORD: 'pw0123456789abcdef', ...svc.environment },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  const [url = '', ...argv] = readFileSync(record, 'utf8').trimEnd().split('\n');
  return { argv, url };
}

describe('docker-compose entrypoints', () => {
  it('workers run the worker entry, with the Redis URL from the env file', () => {
    const { argv, url } = runEntrypoint('worker');
    expect(argv).toEqual(['apps/worker/bin/iwae-sweep-worker.mjs', '--backend', 'wasm']);
    expect(existsSync(join(REPO, argv[0] as string))).toBe(true);
    expect(url).toBe('redis://:pw0123456789abcdef@redis:6379');
  });

  it('the scheduler runs the CLI, with the same URL', () => {
    const { argv, url } = runEntrypoint('scheduler');
    expect(argv[0]).toBe('apps/scheduler/bin/iwae-sweep.mjs');
    expect(argv[1]).toBe('serve');
    expect(existsSync(join(REPO, argv[0] as string))).toBe(true);
    expect(url).toBe('redis://:pw0123456789abcdef@redis:6379');
  });
});
