import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/cli.ts';

const run = promisify(execFile);
const tmp = tempDir('setup-script');
afterAll(() => tmp.cleanup());

/** Runs a copy of scripts/setup.sh as the demo does; its exit code and everything it printed. */
async function setup(script: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run('bash', [script], { encoding: 'utf8' });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('scripts/setup.sh (run first by the demo and the tests)', () => {
  it('prints nothing when everything is installed already', async () => {
    expect(await setup(join(REPO, 'scripts', 'setup.sh'))).toEqual({ code: 0, out: '' });
  }, 120_000);

  it('shows the install log and says so when the install fails', async () => {
    // A workspace whose lockfile does not match its package.json: a frozen install refuses it.
    mkdirSync(join(tmp.dir, 'scripts'));
    copyFileSync(join(REPO, 'scripts', 'setup.sh'), join(tmp.dir, 'scripts', 'setup.sh'));
    writeFileSync(
      join(tmp.dir, 'package.json'),
      JSON.stringify({ name: 'x', private: true, dependencies: { 'is-number': '7.0.0' } }),
    );
    writeFileSync(join(tmp.dir, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\nimporters:\n  .: {}\n");
    const r = await setup(join(tmp.dir, 'scripts', 'setup.sh'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^setup: installing the workspace's dependencies/);
    expect(r.out).toMatch(/ERR_PNPM_\w+/);
    expect(r.out).toMatch(/setup: pnpm install failed\n$/);
  }, 120_000);
});
