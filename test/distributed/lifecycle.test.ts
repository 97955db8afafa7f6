import { writeFileSync } from 'node:fs';
import { QUEUE_NAMES } from '@iwae-sweep/queue';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.ts';
import { killTree, runCli, startCli, tempDir, trialProcessesOf, waitFor, whileFrozen } from '../helpers/cli.ts';
import { type Deployment, testDeployment } from '../helpers/deployment.ts';
import { allTrials, readTrials, trialStates, withDb } from '../helpers/sweep-fixture.ts';

// Two small trials (a few seconds each): what is tested here is the orchestration around them.
const SPEC = `name: life
base: { trainSize: 300, testSize: 20, batchSize: 100, epochs: 6, evalK: 10 }
grid:
  k: [3, 4]
  objective: [iwae]
`;

const onCleanup = cleanupAfterEach();

const setup = (label: string) => testDeployment(label, SPEC, onCleanup);

/** The deployment's trials queue, closed at cleanup. */
function trialsQueue(s: Deployment): Queue {
  const q = new Queue(QUEUE_NAMES.trials, { connection: { host: '127.0.0.1', port: 6379 }, prefix: s.prefix });
  onCleanup(() => q.close());
  return q;
}

const states = (s: Deployment) => trialStates(s.db, 'life');

describe('the life of a distributed sweep', () => {
  it('a trial that fails on every attempt ends failed with its error once its attempts are used up', async () => {
    const s = setup('final-failure');
    // The shared checkpoint directory is unusable (a file stands where a directory should): every
    // attempt fails the same way, with an error that is not final by itself, so it is retried.
    const notADir = `${s.ckpt}-file`;
    writeFileSync(notADir, 'not a directory');
    const one = s.spec.replace(/\.yaml$/, '-one.yaml');
    writeFileSync(one, SPEC.replace('k: [3, 4]', 'k: [3]'));
    expect((await runCli(['launch', one, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const w = s.start(['worker', '--checkpoints', `${notADir}/ckpt`]);
    const q = trialsQueue(s);
    // Retries wait an exponential backoff (5 s, then 10 s): promote them rather than wait.
    const failed = await waitFor(
      async () => {
        for (const job of await q.getJobs(['delayed'])) await job.promote();
        const t = readTrials(s.db, 'life')[0];
        return t?.status === 'failed' ? t : undefined;
      },
      120_000,
      'the trial failed for good',
      200,
      states(s),
    );
    // The error is the trial's own (it names the unusable path), not a generic one.
    expect(failed.error).toContain(notADir);
    // Three attempts (the catalog's), each counted once.
    expect(failed.attempts).toBe(3);
    const [job] = await q.getJobs(['failed']);
    expect(job?.attemptsMade).toBe(3);
    expect(w.exitCode).toBeNull();
    const status = await runCli(['status', '--db', s.db, '--sweep', 'life']);
    expect(status.stdout).toMatch(/life\s+redis\s+failed\s+1\s+0\s+0\s+0\s+1\s+0/);
  });

  it('a trial handed back resumes on another worker from its checkpoint in Redis (--checkpoints redis)', async () => {
    const s = setup('redis-ckpt');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    // Each worker in a directory of its own: no checkpoint file can be shared between them.
    const start = (label: string) => {
      const cwd = tempDir(`${label}-cwd`);
      const p = startCli(['worker', '--checkpoints', 'redis'], { cwd: cwd.dir, env: s.env });
      onCleanup(async () => {
        await killTree(p);
        cwd.cleanup();
      });
      return p;
    };
    const a = start('a');
    const running = await waitFor(
      () => readTrials(s.db, 'life').find((t) => t.status === 'running' && t.epochsDone >= 2),
      180_000,
      'a trial part-way on worker A',
      100,
      states(s),
    );
    await whileFrozen(trialProcessesOf(a.pid as number), async () => {
      a.kill('SIGTERM');
      await waitFor(() => /SIGTERM: stopping/.test(a.seen().stderr), 30_000, 'worker A to take SIGTERM', 50, a.seen);
    });
    expect((await a.output).code).toBe(0);
    const b = start('b');
    await waitFor(() => allTrials(s.db, 'life', 2), 180_000, 'both trials done on worker B', 100, states(s));
    withDb(s.db, (d) => {
      const t = d.getTrial(running.id);
      expect(t?.workerId).toContain(String(b.pid));
      expect(t?.resumedFromEpoch).toBeGreaterThanOrEqual(2);
      expect(d.epochsOf(running.id).map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    });
  }, 600_000);

  it('pause: the running trial finishes, the queued one waits; resume runs it', async () => {
    const s = setup('pause');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const w = s.start(['worker', '--checkpoints', s.ckpt]);
    const first = await waitFor(
      () => readTrials(s.db, 'life').find((t) => t.status === 'running'),
      180_000,
      'a trial running',
      100,
      states(s),
    );
    // Frozen while `pause` starts up: the running trial cannot finish (and free the worker) first.
    const pause = await whileFrozen(trialProcessesOf(w.pid as number), () =>
      runCli(['pause', 'life', '--db', s.db], { env: s.env }),
    );
    expect(pause.code, pause.stderr).toBe(0);
    expect(pause.stderr).toMatch(/sweep life paused \(1 waiting job\(s\) taken off the queue\); running trials finish/);
    await waitFor(
      () => readTrials(s.db, 'life').find((t) => t.id === first.id)?.status === 'done',
      180_000,
      'the running trial to finish',
      100,
      states(s),
    );
    // The worker is idle with nothing to take: the other trial never started. (The DB can say
    // done before BullMQ has completed the job: the worker sends the result first.)
    const q = trialsQueue(s);
    await waitFor(
      async () => (await (await q.getJob(first.id))?.getState()) === 'completed',
      30_000,
      'the finished trial job completed in Redis',
      100,
    );
    expect(await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed')).toEqual({
      waiting: 0,
      prioritized: 0,
      active: 0,
      delayed: 0,
    });
    const other = readTrials(s.db, 'life').find((t) => t.id !== first.id);
    expect(other).toMatchObject({ status: 'queued', attempts: 0 });
    const resume = await runCli(['resume', 'life', '--db', s.db], { env: s.env });
    expect(resume.stderr).toMatch(/sweep life resumed: 1 trial\(s\) queued/);
    await waitFor(() => allTrials(s.db, 'life', 2), 180_000, 'the paused trial done after resume', 100, states(s));
  }, 780_000);

  it('cancel before any worker starts: every trial ends cancelled and a worker started later runs none', async () => {
    const s = setup('cancel-first');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    const cancel = await runCli(['cancel', 'life', '--db', s.db], { env: s.env });
    expect(cancel.stderr).toMatch(/sweep life cancelled: 2 queued trial\(s\) dropped/);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const w = s.start(['worker', '--checkpoints', s.ckpt]);
    await waitFor(() => /waiting for trials/.test(w.seen().stderr), 120_000, 'the worker up', 100, w.seen);
    const q = trialsQueue(s);
    expect(await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed')).toEqual({
      waiting: 0,
      prioritized: 0,
      active: 0,
      delayed: 0,
      completed: 0,
      failed: 0,
    });
    expect(readTrials(s.db, 'life').map((t) => `${t.status} ${t.attempts}`)).toEqual(['cancelled 0', 'cancelled 0']);
  });

  it('launch --follow collects the results itself and returns when the sweep ends', async () => {
    const s = setup('follow');
    s.start(['worker', '--checkpoints', s.ckpt]);
    const follow = await runCli(['launch', s.spec, '--db', s.db, '--follow'], { env: s.env });
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stderr).toMatch(/sweep life: 2 trials \(2 new\), 2 queued in Redis/);
    expect(follow.stderr.match(/^start +\S+ on \S+ \(attempt 1\)$/gm)).toHaveLength(2);
    expect(follow.stderr.match(/^done +\S+: NLL \d+\.\d\d \(−L_10\)$/gm)).toHaveLength(2);
    expect(follow.stderr).toMatch(/sweep life: done — 2 done, 0 failed, 0 cancelled of 2/);
    // No `serve` ran: the results in the DB were written by the following launch.
    expect(allTrials(s.db, 'life', 2)).toBe(true);
  });

  it('worker --concurrency 2 runs two trials at once, each in its own process', async () => {
    const s = setup('concurrency');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const w = s.start(['worker', '--concurrency', '2', '--checkpoints', s.ckpt]);
    const q = trialsQueue(s);
    // A job turns active before its sandboxed process is forked: wait for both.
    await waitFor(
      async () => (await q.getJobCounts('active')).active === 2 && trialProcessesOf(w.pid as number).length >= 2,
      180_000,
      'two trials active on the one worker, each in its own process',
      50,
      () => ({ trials: states(s)(), children: trialProcessesOf(w.pid as number) }),
    );
    await waitFor(() => allTrials(s.db, 'life', 2), 180_000, 'both trials done', 100, states(s));
    const trials = readTrials(s.db, 'life');
    expect(trials.map((t) => t.attempts)).toEqual([1, 1]);
    expect(new Set(trials.map((t) => t.workerId))).toEqual(new Set([trials[0]?.workerId]));
  }, 420_000);
});
