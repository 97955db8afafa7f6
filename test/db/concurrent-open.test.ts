import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/cli.ts';

// A runner creating ./iwae.db while `serve` (or anything reading it) opens the same new file: both
// migrate it. Each round starts four processes that open one new file in the same millisecond.
const tmp = tempDir('concurrent-open');
afterAll(() => tmp.cleanup());
const OPENER = join(REPO, 'test/fixtures/open-db.ts');

function open(file: string, at: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', OPENER, file, String(at)], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a new results DB opened by several processes at once', () => {
  it('is migrated once and opens in every one of them', async () => {
    for (let round = 0; round < 4; round++) {
      const file = join(tmp.dir, `race-${round}.db`);
      // Far enough ahead for four node processes to load on a loaded machine.
      const at = Date.now() + 6000;
      const results = await Promise.all([0, 1, 2, 3].map(() => open(file, at)));
      expect(
        results.filter((r) => r.code !== 0).map((r) => r.stderr.trim()),
        `round ${round}`,
      ).toEqual([]);
    }
  }, 180_000);
});
