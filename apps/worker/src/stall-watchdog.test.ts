import { afterEach, describe, expect, it } from 'vitest';
import { progressEveryMs, StallWatchdog } from './stall-watchdog.ts';

let dog: StallWatchdog | undefined;
afterEach(() => {
  dog?.stop();
  dog = undefined;
});

/** Waits until `check` holds (polling), or fails naming what it last saw. */
async function until(check: () => boolean, what: () => string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('StallWatchdog', () => {
  it('watches a trial again once it progresses after a reported stall (a process slow to start)', async () => {
    const stalls: { job: string; pid: number | undefined }[] = [];
    dog = new StallWatchdog({
      stallMs: 50,
      checkEveryMs: 10,
      connected: () => true,
      onStall: (job, pid) => stalls.push({ job, pid }),
    });
    dog.started('j');
    // Its process has not reported yet when the timeout passes: reported, with no pid to end.
    await until(
      () => stalls.length === 1,
      () => JSON.stringify(stalls),
    );
    expect(stalls[0]).toEqual({ job: 'j', pid: undefined });
    // It reports, then stalls for real: reported again, now with its pid.
    dog.progressed('j', 4242);
    await until(
      () => stalls.length === 2,
      () => JSON.stringify(stalls),
    );
    expect(stalls[1]).toEqual({ job: 'j', pid: 4242 });
  });

  it('asks trials to report a few times per stall timeout, at most every 5 s', () => {
    expect(progressEveryMs(2 * 3600_000)).toBe(5000);
    expect(progressEveryMs(8000)).toBe(2000);
    expect(progressEveryMs(0)).toBe(5000);
  });

  it('reports a silent trial once, with the process it last reported from', async () => {
    const { stalls } = watch(100);
    await until(
      () => stalls.length > 0,
      () => 'a stall',
    );
    await sleep(150);
    expect(stalls).toEqual([{ job: 'a', pid: 42 }]);
  });

  it('a trial that keeps reporting is never reported', async () => {
    const { w, stalls } = watch(150);
    for (let i = 0; i < 10; i++) {
      w.progressed('a', 42);
      await sleep(30);
    }
    expect(stalls).toEqual([]);
  });

  // Trial processes are pooled: a lost run (its worker never told) must not get the process
  // that runs the next trial killed.
  it('never reports a trial for a process that has moved on to another trial', async () => {
    const { w, stalls } = watch(100);
    w.started('next');
    w.progressed('next', 42);
    await until(
      () => stalls.length > 0,
      () => JSON.stringify(stalls),
    );
    expect(stalls).toEqual([{ job: 'next', pid: 42 }]);
  });

  it('silence while the worker cannot reach Redis does not count', async () => {
    let connected = false;
    const { stalls } = watch(100, () => connected);
    await sleep(300);
    expect(stalls).toEqual([]);
    connected = true;
    await until(
      () => stalls.length > 0,
      () => 'a stall once connected',
    );
  });

  it('an ended trial is not watched', async () => {
    const { w, stalls } = watch(50);
    w.ended('a');
    await sleep(200);
    expect(stalls).toEqual([]);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A watchdog checking every 10 ms, watching trial 'a' of process 42. */
function watch(stallMs: number, connected: () => boolean = () => true) {
  const stalls: { job: string; pid: number | undefined }[] = [];
  const w = new StallWatchdog({ stallMs, checkEveryMs: 10, connected, onStall: (job, pid) => stalls.push({ job, pid }) });
  dog = w;
  w.started('a');
  w.progressed('a', 42);
  return { w, stalls };
}
