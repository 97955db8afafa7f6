import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunLock } from '../../apps/scheduler/src/run-lock.ts';
import { alive, CLI, REPO, tempDir, waitFor } from '../helpers/cli.ts';
import { readTrials } from '../helpers/sweep-fixture.ts';
import { runMain } from '../security/hostile.ts';

// A local run killed as a terminal kills it (the whole process group) leaves its lock and its
// trials marked running: readers must see it as interrupted, not running.
const tmp = tempDir('interrupted');
afterAll(() => tmp.cleanup());

describe('a local run that dies', () => {
  it('is shown as interrupted by status (sweep and trials) until it is run again', async () => {
    const db = join(tmp.dir, 'iwae.db');
    const spec = tmp.file(
      'killme.yaml',
      'name: killme\nbase: { objective: iwae, k: 2, trainSize: 2000, testSize: 20, batchSize: 100, epochs: 200, evalK: 10 }\n',
    );
    // Its own process group, as a shell job is: the kill reaches the runner and its trial child.
    const runner = spawn(process.execPath, [CLI, 'run', spec, '--db', db, '--workers', '1', '--progress', 'lines'], {
      cwd: REPO,
      detached: true,
      stdio: 'ignore',
    });
    const pid = runner.pid as number;
    try {
      await waitFor(
        () => readTrials(db, 'killme')[0]?.status === 'running',
        180_000,
        'the trial to run',
        200,
        () => readTrials(db, 'killme').map((t) => t.status),
      );
      const live = await runMain(['status', '--sweep', 'killme', '--db', db, '--format', 'json']);
      expect(JSON.parse(live.stdout).sweep).toMatchObject({ status: 'running', runner: 'alive' });
      process.kill(-pid, 'SIGKILL');
      await waitFor(() => !alive(pid), 10_000, 'the runner to die');
    } finally {
      if (alive(pid)) process.kill(-pid, 'SIGKILL');
    }
    expect(readTrials(db, 'killme')[0]?.status).toBe('running');

    const table = await runMain(['status', '--sweep', 'killme', '--db', db]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^killme\s+local\s+interrupted\s/m);
    expect(table.stdout).toMatch(/^t[0-9a-f]{20}\s+.*\binterrupted\b/m);
    const json = JSON.parse((await runMain(['status', '--sweep', 'killme', '--db', db, '--format', 'json'])).stdout);
    expect(json.sweep).toMatchObject({ status: 'interrupted', runner: 'dead' });
    expect(json.trials.map((t: { status: string }) => t.status)).toEqual(['interrupted']);

    // The next run takes the dead lock over.
    const lock = RunLock.acquire(db, 'killme');
    expect(RunLock.state(db, 'killme')).toBe('alive');
    lock.release();
    expect(RunLock.state(db, 'killme')).toBe('none');
  });
});
