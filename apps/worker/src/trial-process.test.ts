import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type HeldJob, TrialProcessExitedError, TrialProcessPool } from './trial-process.ts';
import { tsxExecArgv } from './tsx-exec-argv.ts';

const processorFile = fileURLToPath(new URL('./fixtures/echo-processor.ts', import.meta.url));
/** Running (a zombie, exited but not yet reaped, counts as gone). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

let pool: TrialProcessPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function newPool(): TrialProcessPool {
  pool = new TrialProcessPool({ processorFile, execArgv: tsxExecArgv(), env: process.env });
  return pool;
}

/** A job as the worker holds it, recording what the trial process asked of it. */
function heldJob(data: unknown) {
  const seen = { progress: [] as unknown[], movedWith: [] as (string | undefined)[] };
  const job: HeldJob = {
    id: 'j1',
    name: 'trial',
    data,
    attemptsMade: 2,
    updateProgress: async (v) => void seen.progress.push(v),
    moveToWait: async (token) => void seen.movedWith.push(token),
  };
  return { job, seen };
}

describe('a trial process of a worker', () => {
  it('runs attempts and is kept for the next one', async () => {
    const p = newPool();
    const first = p.take();
    const { job, seen } = heldJob({ x: 1 });
    expect(await first.run(job, 'tok')).toEqual({ echoed: { x: 1 }, attempt: 2, token: 'tok' });
    expect(seen.progress).toEqual([{ epoch: 0 }]);
    p.give(first);
    const second = p.take();
    expect(second.pid).toBe(first.pid);
    expect(await second.run(heldJob({ x: 2 }).job, undefined)).toMatchObject({ echoed: { x: 2 } });
    p.give(second);
    await p.close();
    expect(alive(first.pid as number)).toBe(false);
  }, 60_000);

  // BullMQ's sandbox waited forever for a child killed during its init handshake: the job stayed
  // active, its lock renewed by a healthy worker (issue 11).
  it('fails the attempt of a process killed while it starts', async () => {
    const proc = newPool().take();
    process.kill(proc.pid as number, 'SIGKILL');
    const err = await proc.run(heldJob({}).job, 'tok').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrialProcessExitedError);
    expect((err as Error).message).toMatch(/exited while it started .*signal SIGKILL/);
  }, 60_000);

  it('fails the attempt of a process killed during the trial, and starts a new one next', async () => {
    const p = newPool();
    const proc = p.take();
    const { job, seen } = heldJob({ wait: true });
    const attempt = proc.run(job, 'tok');
    await proc.ready;
    while (seen.progress.length === 0) await new Promise((r) => setTimeout(r, 20));
    proc.kill();
    await expect(attempt).rejects.toThrow(/exited during the trial .*signal SIGKILL/);
    p.give(proc);
    const next = p.take();
    expect(next.pid).not.toBe(proc.pid);
    expect(await next.run(heldJob({ y: 1 }).job, undefined)).toMatchObject({ echoed: { y: 1 } });
    p.give(next);
  }, 60_000);

  it('passes a cancel on, and hands the job back through its worker', async () => {
    const proc = newPool().take();
    const { job, seen } = heldJob({ wait: true });
    const controller = new AbortController();
    const attempt = proc.run(job, 'tok', controller.signal);
    while (seen.progress.length === 0) await new Promise((r) => setTimeout(r, 20));
    controller.abort('shutdown');
    const err = (await attempt.catch((e: unknown) => e)) as Error;
    expect({ name: err.name, message: err.message }).toEqual({ name: 'WaitingError', message: 'handed back (shutdown)' });
    expect(seen.movedWith).toEqual(['tok']);
  }, 60_000);
});
