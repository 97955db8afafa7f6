import { QUEUE_NAMES } from '@iwae-sweep/queue';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, waitFor } from '../helpers/cli.ts';
import { testDeployment } from '../helpers/deployment.ts';
import { freePort, OwnRedis } from '../helpers/redis-server.ts';
import { readTrials, withDb } from '../helpers/sweep-fixture.ts';

const SPEC = `name: ctl
base: { trainSize: 1500, testSize: 20, batchSize: 100, epochs: 6, evalK: 20 }
grid:
  k: [10, 11]
  objective: [iwae]
`;

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const setup = (label: string) => testDeployment(label, SPEC, (fn) => cleanups.push(fn));

describe('stopping and cancelling', () => {
  it('SIGTERM: the worker hands its running trial back (no failed attempt) and exits 0; another resumes it', async () => {
    const s = setup('sigterm');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const a = s.start(['worker', '--checkpoints', s.ckpt]);
    const running = await waitFor(
      () => readTrials(s.db, 'ctl').find((t) => t.epochsDone >= 2 && t.status === 'running'),
      90_000,
      'a trial part-way',
    );
    a.kill('SIGTERM');
    const out = await a.output;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/SIGTERM: stopping/);
    // Back in the queue, not failed.
    const trial = () => readTrials(s.db, 'ctl').find((t) => t.id === running.id);
    expect(trial()?.status).not.toBe('failed');
    s.start(['worker', '--checkpoints', s.ckpt]);
    await waitFor(() => readTrials(s.db, 'ctl').every((t) => t.status === 'done'), 150_000, 'both trials done');
    withDb(s.db, (d) => {
      const t = d.getTrial(running.id);
      expect(t?.resumedFromEpoch).toBeGreaterThanOrEqual(2);
      expect(t?.error).toBeNull();
    });
  });

  it('cancel reaches the trial running on a worker: it stops at its next epoch; the queued one never starts', async () => {
    const s = setup('cancel');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const w = s.start(['worker', '--checkpoints', s.ckpt]);
    const running = await waitFor(
      () => readTrials(s.db, 'ctl').find((t) => t.epochsDone >= 1 && t.status === 'running'),
      90_000,
      'a trial running',
    );
    const cancel = await runCli(['cancel', 'ctl', '--db', s.db], { env: s.env });
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stderr).toMatch(/sweep ctl cancelled: 1 queued trial\(s\) dropped/);
    await waitFor(
      () => readTrials(s.db, 'ctl').find((t) => t.id === running.id)?.status === 'cancelled',
      30_000,
      'the running trial cancelled',
    );
    const trials = readTrials(s.db, 'ctl');
    expect(trials.map((t) => t.status).sort()).toEqual(['cancelled', 'cancelled']);
    expect(trials.find((t) => t.id === running.id)?.epochsDone).toBeLessThan(6);
    // The worker is still up and idle; the sweep can be resumed and finishes.
    expect(w.exitCode).toBeNull();
    const resumed = await runCli(['resume', 'ctl', '--db', s.db], { env: s.env });
    expect(resumed.stderr).toMatch(/resumed: 2 trial\(s\) queued/);
    await waitFor(() => readTrials(s.db, 'ctl').every((t) => t.status === 'done'), 150_000, 'both trials done after resume');
  });
});

describe('bad input and bad connections', () => {
  it('a malformed job payload fails at once without retries, and the worker carries on', async () => {
    const s = setup('malformed');
    const q = new Queue(QUEUE_NAMES.trials, { connection: { host: '127.0.0.1', port: 6379 }, prefix: s.prefix });
    cleanups.push(() => q.close());
    await q.add('trial', { sweepId: 'x', trialId: 'not-a-trial-id', config: { k: 'many' } }, { jobId: 'bad1', attempts: 3 });
    const w = s.start(['worker', '--checkpoints', s.ckpt]);
    const failed = await (async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const j = await q.getJob('bad1');
        if (j && (await j.getState()) === 'failed') return j;
        if (Date.now() > deadline) throw new Error('job did not fail');
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/malformed "trial" job bad1: .*trialId: expected a trial id/);
    expect(failed.failedReason).toMatch(/config\.k: expected number/);
    expect(w.exitCode).toBeNull();
  });

  it('a wrong password: the worker says so and exits 78 (no crash loop under systemd)', async () => {
    const redis = await OwnRedis.start({ password: 'right-password' });
    cleanups.push(() => redis.stop());
    const out = await runCli(['worker', '--redis', `redis://:wrong-password@127.0.0.1:${redis.port}`]);
    expect(out.code).toBe(78);
    expect(out.stderr).toMatch(/cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: authentication failed/);
    expect(out.stderr).not.toContain('wrong-password');
  });

  it('an unreachable Redis: the worker keeps retrying with a clear message, and starts when Redis appears', async () => {
    const port = await freePort();
    const s = setup('unreachable');
    const w = startCli(['worker', '--redis', `redis://127.0.0.1:${port}`, '--prefix', s.prefix]);
    cleanups.push(() => {
      w.kill('SIGKILL');
    });
    let stderr = '';
    w.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await waitFor(() => /connection refused.*retrying in/s.test(stderr), 20_000, 'a retry message');
    expect(w.exitCode).toBeNull();
    const { spawn } = await import('node:child_process');
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    cleanups.push(() => {
      server.kill('SIGKILL');
    });
    await waitFor(() => /waiting for trials/.test(stderr), 60_000, 'the worker to start once Redis is up');
    expect(w.exitCode).toBeNull();
  });
});
