import { QUEUE_NAMES } from '@iwae-sweep/queue';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.ts';
import { killTree, runCli, startCli, trialProcessesOf, waitFor, whileFrozen } from '../helpers/cli.ts';
import { testDeployment } from '../helpers/deployment.ts';
import { freePort, OwnRedis } from '../helpers/redis-server.ts';
import { allTrials, readTrials, trialStates, withDb } from '../helpers/sweep-fixture.ts';

// Two trials of six short epochs (~0.5 s each here): long enough to be stopped part-way.
// Waits and timeouts are sized for a loaded two-core machine: at a load of 18, a worker took over
// 20 s to start and over 90 s to train its first two epochs.
const SPEC = `name: ctl
base: { trainSize: 600, testSize: 20, batchSize: 100, epochs: 6, evalK: 20 }
grid:
  k: [10, 11]
  objective: [iwae]
`;

const onCleanup = cleanupAfterEach();

const setup = (label: string) => testDeployment(label, SPEC, onCleanup);

/** The trial job in Redis: its state and the attempts BullMQ counted (a failed attempt counts one). */
async function trialJob(prefix: string, trialId: string) {
  const q = new Queue(QUEUE_NAMES.trials, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  try {
    // The state first, then the job: a snapshot taken before the state was read can predate the
    // move that the state reports (the attempt count and reason are written in the same step).
    const state = await q.getJobState(trialId);
    const job = await q.getJob(trialId);
    if (!job) throw new Error(`no job ${trialId} under ${prefix}`);
    return { state, attemptsMade: job.attemptsMade, failedReason: job.failedReason ?? '' };
  } finally {
    await q.close();
  }
}

describe('stopping and cancelling', () => {
  it('SIGTERM: the worker hands its running trial back (no failed attempt) and exits 0; another resumes it', async () => {
    const s = setup('sigterm');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const a = s.start(['worker', '--checkpoints', s.ckpt]);
    const running = await waitFor(
      () => readTrials(s.db, 'ctl').find((t) => t.epochsDone >= 2 && t.status === 'running'),
      180_000,
      'a trial part-way',
      100,
      trialStates(s.db, 'ctl'),
    );
    // The trial process is frozen until the worker has taken the signal, so that it cannot
    // finish its remaining epochs first on a loaded machine.
    await whileFrozen(trialProcessesOf(a.pid as number), async () => {
      a.kill('SIGTERM');
      await waitFor(() => /SIGTERM: stopping/.test(a.seen().stderr), 30_000, 'the worker to take SIGTERM', 50, a.seen);
    });
    const out = await a.output;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/SIGTERM: stopping/);
    // Handed back, not failed: the job waits again with no attempt used, and nobody reported a failure.
    expect(out.stderr).not.toMatch(/failed \(attempt/);
    // (BullMQ names a waiting job with a priority 'prioritized'; trial jobs carry their cost as priority.)
    expect(await trialJob(s.prefix, running.id)).toMatchObject({
      state: expect.stringMatching(/^(waiting|prioritized)$/),
      attemptsMade: 0,
      failedReason: '',
    });
    const b = s.start(['worker', '--checkpoints', s.ckpt]);
    await waitFor(() => allTrials(s.db, 'ctl', 2), 150_000, 'both trials done', 100, trialStates(s.db, 'ctl'));
    // The worker sends the result before BullMQ completes the job, and the collector may write it
    // to the DB first: wait for the job itself to be completed.
    let job: Awaited<ReturnType<typeof trialJob>> | undefined;
    await waitFor(
      async () => {
        job = await trialJob(s.prefix, running.id);
        return job.state === 'completed';
      },
      30_000,
      'the trial job completed in Redis',
      100,
      () => job,
    );
    // One attempt in all: the hand-back was not counted as a failure and retried.
    expect(job).toMatchObject({ state: 'completed', attemptsMade: 1 });
    withDb(s.db, (d) => {
      const t = d.getTrial(running.id);
      expect(t?.resumedFromEpoch).toBeGreaterThanOrEqual(2);
      expect(t?.workerId).toContain(String(b.pid));
      expect(t?.error).toBeNull();
    });
  }, 600_000);

  it('cancel reaches the trial running on a worker: it stops at its next epoch; the queued one never starts', async () => {
    const s = setup('cancel');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const w = s.start(['worker', '--checkpoints', s.ckpt]);
    const running = await waitFor(
      () => readTrials(s.db, 'ctl').find((t) => t.epochsDone >= 1 && t.status === 'running'),
      180_000,
      'a trial running',
      100,
      trialStates(s.db, 'ctl'),
    );
    // Freeze the trial process while `cancel` starts up, so that the trial cannot finish its
    // remaining epochs first (on a loaded machine the CLI's start-up takes seconds).
    const cancel = await whileFrozen(trialProcessesOf(w.pid as number), () =>
      runCli(['cancel', 'ctl', '--db', s.db], { env: s.env }),
    );
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stderr).toMatch(/sweep ctl cancelled: 1 queued trial\(s\) dropped/);
    await waitFor(
      () => readTrials(s.db, 'ctl').find((t) => t.id === running.id)?.status === 'cancelled',
      90_000,
      'the running trial cancelled',
      100,
      trialStates(s.db, 'ctl'),
    );
    const trials = readTrials(s.db, 'ctl');
    expect(trials.map((t) => t.status).sort()).toEqual(['cancelled', 'cancelled']);
    expect(trials.find((t) => t.id === running.id)?.epochsDone).toBeLessThan(6);
    // The queued one never started.
    expect(trials.find((t) => t.id !== running.id)?.attempts).toBe(0);
    // The worker is still up and idle; the sweep can be resumed and finishes.
    expect(w.exitCode).toBeNull();
    const resumed = await runCli(['resume', 'ctl', '--db', s.db], { env: s.env });
    expect(resumed.stderr).toMatch(/resumed: 2 trial\(s\) queued/);
    await waitFor(() => allTrials(s.db, 'ctl', 2), 150_000, 'both trials done after resume', 100, trialStates(s.db, 'ctl'));
  }, 600_000);
});

describe('bad input and bad connections', () => {
  it('a malformed job payload fails at once without retries, and the worker carries on', async () => {
    const s = setup('malformed');
    const q = new Queue(QUEUE_NAMES.trials, { connection: { host: '127.0.0.1', port: 6379 }, prefix: s.prefix });
    onCleanup(() => q.close());
    await q.add('trial', { sweepId: 'x', trialId: 'not-a-trial-id', config: { k: 'many' } }, { jobId: 'bad1', attempts: 3 });
    const w = s.start(['worker', '--checkpoints', s.ckpt]);
    const failed = await waitFor(
      // The job is read after its state is 'failed': a snapshot read before could still show the
      // attempt in flight (attemptsMade 0), as a CI run did.
      async () => ((await q.getJobState('bad1')) === 'failed' ? await q.getJob('bad1') : undefined),
      180_000,
      'the malformed job to fail',
      200,
    );
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/malformed "trial" job bad1: .*trialId: expected a trial id/);
    expect(failed.failedReason).toMatch(/config\.k: expected number/);
    expect(w.exitCode).toBeNull();
  });

  it('a wrong password: the worker says so and exits 78 (no crash loop under systemd)', async () => {
    const redis = await OwnRedis.start({ password: 'right-password' });
    onCleanup(() => redis.stop());
    const out = await runCli(['worker', '--redis', `redis://:wrong-password@127.0.0.1:${redis.port}`]);
    expect(out.code).toBe(78);
    expect(out.stderr).toMatch(/cannot use Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+: authentication failed/);
    expect(out.stderr).not.toContain('wrong-password');
  });

  it('an unreachable Redis: the worker keeps retrying with a clear message, and starts when Redis appears', async () => {
    const port = await freePort();
    const s = setup('unreachable');
    const w = startCli(['worker', '--redis', `redis://127.0.0.1:${port}`, '--prefix', s.prefix]);
    onCleanup(() => killTree(w));
    let stderr = '';
    w.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await waitFor(() => /connection refused.*retrying in/s.test(stderr), 120_000, 'a retry message');
    expect(w.exitCode).toBeNull();
    const { spawn } = await import('node:child_process');
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    onCleanup(() => {
      server.kill('SIGKILL');
    });
    await waitFor(() => /waiting for trials/.test(stderr), 120_000, 'the worker to start once Redis is up');
    expect(w.exitCode).toBeNull();
  }, 300_000);
});
