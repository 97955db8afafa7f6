import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalRunner, type LocalRunnerOptions } from './local-runner.ts';
import { LineDisplay } from './run-display.ts';

// A trial process that trains nothing: what it does is scripted by each trial's k (see the file).
const CHILD = new URL('./test-fixtures/scripted-trial-child.ts', import.meta.url);

let dir: string;
let db: ResultsDb;
let shown: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iwae-local-runner-'));
  db = ResultsDb.open(join(dir, 'iwae.db'));
  shown = '';
});
afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
  delete process.env.FIXTURE_CHILD_DIE_AT_START;
});

/** A sweep of trials with these k (see the fixture child) and `seeds` seeds, saved in the DB. */
function sweep(k: number[], seeds = 1) {
  const plan = expandSweep(
    sweepSpecFromObject({
      name: 'runner',
      base: { objective: 'iwae', epochs: 3, trainSize: 20, batchSize: 20, testSize: 2, evalK: 2 },
      grid: { k },
      seeds,
    }),
  );
  db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local', description: 'runner test' });
  db.addTrials(plan.sweepId, plan.trials);
  // In the order of `k` (the runner starts trials in the order it is given).
  const trials = db.trialsWithConfig(plan.sweepId).sort((a, b) => k.indexOf(a.config.k) - k.indexOf(b.config.k));
  return { sweepId: plan.sweepId, trials };
}

function runner(s: ReturnType<typeof sweep>, opts: Partial<LocalRunnerOptions> = {}): LocalRunner {
  const out = new PassThrough();
  out.on('data', (d: Buffer) => {
    shown += d.toString();
  });
  return new LocalRunner({
    db,
    sweepId: s.sweepId,
    trials: s.trials,
    workers: 1,
    artifactsDir: dir,
    display: new LineDisplay(out),
    childEntry: CHILD,
    ...opts,
  });
}

const release = (trialId: string) => writeFileSync(join(dir, 'checkpoints', `${trialId}.release`), '');
const byK = (sweepId: string, k: number) => db.trialsOf(sweepId).find((t) => t.k === k);

/** Polls until `check` holds (the runner works on its own event loop turns); fails with `seen`. */
async function until(check: () => boolean, what: string, seen: () => unknown): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(seen())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const states = (sweepId: string) => () => db.trialsOf(sweepId).map((t) => `k=${t.k} ${t.status} ${t.epochsDone} ${t.attempts}`);

describe('LocalRunner with scripted trial processes', () => {
  it('runs every trial in its process pool, recording each epoch and result', async () => {
    const s = sweep([1], 3);
    const summary = await runner(s, { workers: 2 }).run();
    expect(summary).toMatchObject({ started: 3, done: 3, failed: 0, interrupted: false, cancelled: false });
    const trials = db.trialsOf(s.sweepId);
    expect(trials.map((t) => `${t.status} ${t.attempts}`)).toEqual(['done 1', 'done 1', 'done 1']);
    for (const t of trials) {
      expect(db.epochsOf(t.id).map((e) => e.epoch)).toEqual([1, 2, 3]);
      expect(t.workerId).toMatch(/^local:\d+$/);
    }
    expect(db.results({ sweepId: s.sweepId }).map((r) => r.testNll)).toEqual([101, 101, 101]);
    expect(shown.match(/^\[w\d\] done {2}/gm)).toHaveLength(3);
  });

  it('runs as many trials at once as it has workers, each in its own process', async () => {
    const s = sweep([5], 2);
    const run = runner(s, { workers: 2 }).run();
    await until(
      () => db.trialsOf(s.sweepId).filter((t) => t.status === 'running' && t.epochsDone === 1).length === 2,
      'both trials running at once',
      states(s.sweepId),
    );
    const workers = new Set(db.trialsOf(s.sweepId).map((t) => t.workerId));
    expect(workers.size).toBe(2);
    for (const t of s.trials) release(t.id);
    expect(await run).toMatchObject({ started: 2, done: 2, failed: 0 });
  });

  it('replaces a process that dies mid-trial and resumes the trial on the new one', async () => {
    const s = sweep([2]);
    const summary = await runner(s, { maxAttempts: 2 }).run();
    expect(summary).toMatchObject({ started: 2, done: 1, failed: 0 });
    const [t] = db.trialsOf(s.sweepId);
    expect(t).toMatchObject({ status: 'done', attempts: 2, resumedFromEpoch: 1, error: null });
    expect(db.epochsOf(t?.id as string).map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(shown).toMatch(/retry .*trial process exited with code 3/);
  });

  it('does not retry a final error; retries a retryable one until its attempts run out', async () => {
    const s = sweep([3, 4]);
    const summary = await runner(s, { maxAttempts: 3 }).run();
    expect(summary).toMatchObject({ done: 0, failed: 2 });
    expect(byK(s.sweepId, 3)).toMatchObject({ status: 'failed', attempts: 1, error: 'training diverged (fixture)' });
    expect(byK(s.sweepId, 4)).toMatchObject({ status: 'failed', attempts: 3, error: 'flaky (fixture)' });
    expect(shown.match(/retry .*flaky/g)).toHaveLength(2);
    expect(shown.match(/FAILED .*(flaky|diverged)/g)).toHaveLength(2);
  });

  it('pause: the running trial finishes and no other starts until the sweep is resumed', async () => {
    const s = sweep([5, 1]);
    const r = runner(s);
    const run = r.run();
    await until(() => byK(s.sweepId, 5)?.epochsDone === 1, 'the first trial running', states(s.sweepId));
    db.setSweepState(s.sweepId, 'paused');
    await until(() => r.isPaused, 'the runner to see the pause', states(s.sweepId));
    release(byK(s.sweepId, 5)?.id as string);
    await until(() => byK(s.sweepId, 5)?.status === 'done', 'the running trial to finish', states(s.sweepId));
    // The freed process took nothing: the other trial waits, not started.
    expect(byK(s.sweepId, 1)).toMatchObject({ status: 'queued', attempts: 0 });
    db.setSweepState(s.sweepId, 'active');
    expect(await run).toMatchObject({ started: 2, done: 2 });
    expect(byK(s.sweepId, 1)?.status).toBe('done');
  });

  it('cancel: stops the running trial and cancels it and the queued ones', async () => {
    const s = sweep([5, 1]);
    const run = runner(s).run();
    await until(() => byK(s.sweepId, 5)?.epochsDone === 1, 'the first trial running', states(s.sweepId));
    const pid = Number(byK(s.sweepId, 5)?.workerId?.split(':')[1]);
    db.setSweepState(s.sweepId, 'cancelled');
    expect(await run).toMatchObject({ started: 1, done: 0, cancelled: true, interrupted: false });
    await until(() => db.trialsOf(s.sweepId).every((t) => t.status === 'cancelled'), 'both cancelled', states(s.sweepId));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('abort (Ctrl-C): stops its processes and puts the running trial back in the queue', async () => {
    const s = sweep([5, 1]);
    const controller = new AbortController();
    const run = runner(s, { signal: controller.signal }).run();
    await until(() => byK(s.sweepId, 5)?.epochsDone === 1, 'the first trial running', states(s.sweepId));
    const pid = Number(byK(s.sweepId, 5)?.workerId?.split(':')[1]);
    controller.abort();
    expect(await run).toMatchObject({ started: 1, done: 0, interrupted: true });
    expect(
      db
        .trialsOf(s.sweepId)
        .map((t) => `k=${t.k} ${t.status}`)
        .sort(),
    ).toEqual(['k=1 queued', 'k=5 queued']);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('gives up with the reason when its processes keep dying before running anything', async () => {
    process.env.FIXTURE_CHILD_DIE_AT_START = '1';
    const s = sweep([1]);
    await expect(runner(s).run()).rejects.toThrow(
      /trial processes keep dying before running anything \(last exited with code 1\)/,
    );
    expect(byK(s.sweepId, 1)).toMatchObject({ status: 'queued', attempts: 0 });
  });
});
