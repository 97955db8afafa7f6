import { ResultsDb } from '@iwae-sweep/db';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, type CliResult, freezeWhen, runCli, startCli, tempDir, waitFor } from '../helpers/cli.ts';
import { readTrials, trialStates } from '../helpers/sweep-fixture.ts';

const tmp = tempDir('local-resume');
afterAll(() => tmp.cleanup());

const spec = tmp.file(
  'resume.yaml',
  `name: resume
base: { trainSize: 1500, testSize: 50, batchSize: 100, epochs: 4, evalK: 50 }
grid:
  k: [10, 5]
  objective: [iwae]
`,
);
const db = `${tmp.dir}/iwae.db`;

describe('resuming a local sweep after the runner is killed with SIGKILL', () => {
  it('skips finished trials, resumes the interrupted one from its checkpoint, and records each epoch once', async () => {
    const runner = startCli(['run', spec, '--db', db, '--workers', '1', '--progress', 'lines']);
    // Wait for: the first (larger) trial finished, the second one part-way through training. The
    // runner (the DB's only writer) is frozen and the trials read again before it is killed: the
    // second trial could otherwise finish its last epoch between the read and the kill.
    const {
      found: [first, second],
    } = await freezeWhen(
      () => {
        const trials = readTrials(db, 'resume');
        const done = trials.find((t) => t.status === 'done');
        const mid = trials.find((t) => t.status === 'running' && t.epochsDone >= 1 && t.epochsDone < 4);
        return done && mid ? ([done, mid] as const) : undefined;
      },
      () => [runner.pid as number],
      120_000,
      'one finished trial and one part-way through',
      trialStates(db, 'resume'),
    );
    runner.kill('SIGKILL');
    const killed = await runner.output;
    expect(killed.signal).toBe('SIGKILL');
    // The killed runner's trial process notices its parent is gone and exits by itself.
    const childPid = Number(second.workerId?.split(':')[1]);
    // (It checks between timers, and an epoch blocks them: on a loaded machine that takes a while.)
    await waitFor(() => !alive(childPid), 90_000, 'the orphaned trial process to exit');

    const before = ResultsDb.open(db);
    const firstResult = before.results({ sweepId: 'resume' }).find((r) => r.trial === first.id);
    const epochsBefore = before.epochsOf(second.id).length;
    before.close();
    expect(epochsBefore).toBeGreaterThanOrEqual(1);

    const resumed = await runCli(['run', spec, '--db', db, '--workers', '1', '--progress', 'lines']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/2 trials, 1 already done/);
    expect(resumed.stderr).toMatch(/resumed after epoch [1-4]/);

    const after = ResultsDb.open(db);
    try {
      const rows = after.results({ sweepId: 'resume' });
      expect(rows.map((r) => r.status)).toEqual(['done', 'done']);
      // The finished trial was not run again.
      expect(after.getTrial(first.id)?.attempts).toBe(1);
      expect(rows.find((r) => r.trial === first.id)?.testNll).toBe(firstResult?.testNll);
      // The interrupted one continued from its checkpoint: every epoch exactly once.
      expect(after.getTrial(second.id)?.attempts).toBe(2);
      expect(after.epochsOf(second.id).map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
      const resumedFrom = after.sqlite.prepare('select resumed_from_epoch as e from trials where id = ?').get(second.id) as {
        e: number;
      };
      expect(resumedFrom.e).toBeGreaterThanOrEqual(epochsBefore);
      expect(after.sqlite.prepare('select count(*) as n from trials where result_recorded_at is not null').get()).toEqual({
        n: 2,
      });
      expect(after.sqlite.prepare('select count(*) as n from epochs').get()).toEqual({ n: 8 });
    } finally {
      after.close();
    }
  });
});

describe('cancelling a local sweep from another terminal', () => {
  it('`cancel` stops the runner: running and queued trials end cancelled', async () => {
    const cancelSpec = tmp.file(
      'cancel.yaml',
      `name: cancelme
base: { trainSize: 500, testSize: 20, batchSize: 100, epochs: 4, evalK: 20 }
grid:
  k: [10, 11, 12]
  objective: [iwae]
`,
    );
    const cdb = `${tmp.dir}/cancel.db`;
    const runner = startCli(['run', cancelSpec, '--db', cdb, '--workers', '1', '--progress', 'lines']);
    const running = await waitFor(
      () => readTrials(cdb, 'cancelme').find((t) => t.status === 'running' && t.epochsDone >= 1),
      180_000,
      'an epoch',
      50,
      () => ({ trials: trialStates(cdb, 'cancelme')(), runner: runner.seen().stderr.slice(-2000) }),
    );
    // Freeze the trial process while `cancel` starts up, so that it cannot finish its remaining
    // epochs first (on a loaded machine the CLI's start-up takes seconds); the runner stops it.
    const childPid = Number(running.workerId?.split(':')[1]);
    process.kill(childPid, 'SIGSTOP');
    let cancel: CliResult;
    try {
      cancel = await runCli(['cancel', 'cancelme', '--db', cdb]);
    } catch (err) {
      process.kill(childPid, 'SIGCONT');
      throw err;
    }
    expect(cancel.code, cancel.stderr).toBe(0);
    const out = await runner.output;
    expect(out.stderr).toMatch(/sweep cancelme cancelled after/);
    expect(out.code).toBe(0);
    const trials = readTrials(cdb, 'cancelme');
    expect(trials.map((t) => t.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    // Only the one that was running had started; it stopped part-way.
    expect(trials.map((t) => t.attempts).sort()).toEqual([0, 0, 1]);
    expect(trials.find((t) => t.id === running.id)?.epochsDone).toBeLessThan(4);
    await waitFor(() => !alive(childPid), 10_000, 'the frozen trial process to be stopped by the runner');
  });
});
