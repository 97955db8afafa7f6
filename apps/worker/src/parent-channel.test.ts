import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tsxExecArgv } from './tsx-exec-argv.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/counting-child.ts', import.meta.url));

let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
  child = undefined;
});

describe('the channel of a forked process to its parent', () => {
  // Both trial entries (the worker's trial process, the local runner's trial child) rely on it:
  // a message they cannot read must not end the process or the trial it runs.
  it('drops a malformed message, says so on stderr, and handles the next one', async () => {
    const c = fork(FIXTURE, [], { execArgv: tsxExecArgv(), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child = c;
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const received: unknown[] = [];
    c.on('message', (m) => received.push(m));
    /** Waits (up to 60 s, while the child lives) until `done` holds. */
    const until = async (done: () => boolean) => {
      const end = Date.now() + 60_000;
      while (!done() && Date.now() < end && c.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    };
    await until(() => received.length >= 1);
    expect(received, stderr).toEqual([{ n: 0 }]);
    c.send({ n: 'one' });
    c.send({ n: 1 });
    // Its stderr and its messages travel apart: wait for both.
    await until(() => received.length >= 2 && stderr.includes('malformed'));
    expect(received, stderr).toEqual([{ n: 0 }, { n: 2 }]);
    expect(stderr).toMatch(/^counting child: ignoring a malformed message: /m);
    expect(c.exitCode).toBe(null);
  }, 90_000);
});
