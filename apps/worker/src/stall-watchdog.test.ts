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
});
