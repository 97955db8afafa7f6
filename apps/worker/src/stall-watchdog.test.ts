import { afterEach, describe, expect, it } from 'vitest';
import { progressEveryMs, StallWatchdog } from './stall-watchdog.ts';

let dog: Pick<StallWatchdog<unknown>, 'stop'> | undefined;
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
    const stalls: string[] = [];
    const w = new StallWatchdog({ stallMs: 50, checkEveryMs: 10, connected: () => true, onStall: (job) => stalls.push(job) });
    dog = w;
    w.started('j');
    // Its process has not reported yet when the timeout passes: reported (its worker ends the
    // process it runs the attempt in).
    await until(
      () => stalls.length === 1,
      () => JSON.stringify(stalls),
    );
    // It reports after a long start, then stalls for real: reported again, after the timeout
    // (the start is no silence between reports: it does not stretch the timeout to 3 × 1 s).
    await sleep(1000);
    w.progressed('j');
    const reportedAt = Date.now();
    await until(
      () => stalls.length === 2,
      () => JSON.stringify(stalls),
    );
    expect(Date.now() - reportedAt).toBeLessThan(2000);
    expect(stalls).toEqual(['j', 'j']);
  });

  it('asks trials to report a few times per stall timeout, at most every 5 s', () => {
    expect(progressEveryMs(2 * 3600_000)).toBe(5000);
    expect(progressEveryMs(8000)).toBe(2000);
    expect(progressEveryMs(0)).toBe(5000);
  });

  it('reports a silent trial once', async () => {
    const { stalls } = watch(100);
    await until(
      () => stalls.length > 0,
      () => 'a stall',
    );
    await sleep(150);
    expect(stalls).toEqual(['a']);
  });

  it('a trial that keeps reporting is never reported', async () => {
    const { w, stalls } = watch(150);
    for (let i = 0; i < 10; i++) {
      w.progressed('a');
      await sleep(30);
    }
    expect(stalls).toEqual([]);
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

  it("one attempt's end leaves another attempt of the same job watched", async () => {
    // Two attempts of job j in one worker: it was frozen past j's lock, and j, handed back, was
    // fetched again by it. The first settles once the second is watched.
    const first = { jobId: 'j', attempt: 1 };
    const second = { jobId: 'j', attempt: 2 };
    const stalls: { jobId: string; attempt: number }[] = [];
    const w = new StallWatchdog<{ jobId: string; attempt: number }>({
      stallMs: 50,
      checkEveryMs: 10,
      connected: () => true,
      onStall: (a) => stalls.push(a),
    });
    dog = w;
    w.started(first);
    w.started(second);
    w.ended(first);
    // The second never reports (its process froze as it started): reported, as itself.
    await until(
      () => stalls.length > 0,
      () => 'a stall of the second attempt',
    );
    expect(stalls).toEqual([second]);
  });

  it('an ended trial is not watched', async () => {
    const { w, stalls } = watch(50);
    w.ended('a');
    await sleep(200);
    expect(stalls).toEqual([]);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A watchdog checking every 10 ms, watching trial 'a', which has reported once. */
function watch(stallMs: number, connected: () => boolean = () => true) {
  const stalls: string[] = [];
  const w = new StallWatchdog({ stallMs, checkEveryMs: 10, connected, onStall: (job) => stalls.push(job) });
  dog = w;
  w.started('a');
  w.progressed('a');
  return { w, stalls };
}
