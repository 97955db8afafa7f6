import { afterAll, describe, expect, it } from 'vitest';
import { freezeWhen, killTree, runCli, startCli, tempDir } from '../helpers/cli.ts';
import { allTrials, readTrials, trialStates } from '../helpers/sweep-fixture.ts';

const tmp = tempDir('local-lock');
const procs: ReturnType<typeof startCli>[] = [];
afterAll(async () => {
  for (const p of procs) await killTree(p);
  tmp.cleanup();
});

const spec = tmp.file(
  'lock.yaml',
  `name: locked
base: { trainSize: 200, testSize: 20, batchSize: 100, epochs: 3, evalK: 10 }
grid:
  k: [2]
  objective: [iwae]
`,
);
const db = `${tmp.dir}/iwae.db`;

describe('one local runner per sweep', () => {
  it('refuses a second runner of the same sweep while the first runs, and takes over the lock of a dead one', async () => {
    const first = startCli(['run', spec, '--db', db, '--workers', '1', '--progress', 'lines']);
    procs.push(first);
    // The first runner and its trial process are frozen meanwhile, and the trials read under the
    // freeze: the trial is tiny, and once it ends the first runner frees the lock (it could end
    // between a read and a freeze, so the read that counts is the one after the freeze).
    const { thaw } = await freezeWhen(
      () => readTrials(db, 'locked').find((t) => t.status === 'running' && t.workerId),
      (t) => [first.pid as number, Number(t.workerId?.split(':')[1])],
      180_000,
      'the first runner training',
      trialStates(db, 'locked'),
    );
    let second: Awaited<ReturnType<typeof runCli>>;
    let afterRefusal: string[];
    try {
      second = await runCli(['run', spec, '--db', db, '--workers', '1', '--progress', 'lines']);
      afterRefusal = readTrials(db, 'locked').map((t) => `${t.status} ${t.attempts}`);
    } finally {
      thaw();
    }
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`sweep "locked" is already being run by process ${first.pid}`);
    expect(second.stderr).not.toMatch(/\n\s+at /); // one line, no stack trace
    // Nothing the first runner wrote was changed by the refused one.
    expect(afterRefusal).toEqual(['running 1']);

    // The first runner dies without releasing its lock: the next run takes it over and finishes.
    await killTree(first);
    const third = await runCli(['run', spec, '--db', db, '--workers', '1', '--progress', 'lines']);
    expect(third.code, third.stderr).toBe(0);
    expect(allTrials(db, 'locked', 1)).toBe(true);
  });
});
