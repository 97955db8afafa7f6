import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tsxExecArgv } from './tsx-exec-argv.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url));
/** Running (a zombie, exited but not yet reaped by init, counts as gone). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
let leftover: number[] = [];
afterEach(() => {
  for (const pid of leftover) if (alive(pid)) process.kill(pid, 'SIGKILL');
  leftover = [];
});

async function orphanDies(fixtureName: string): Promise<void> {
  // A parent (as a worker would be) that starts the busy child and passes its pid up.
  const parent = spawn(
    process.execPath,
    [
      '-e',
      `const c = require('node:child_process').spawn(process.execPath, ${JSON.stringify([...tsxExecArgv(), fixture(fixtureName)])}, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, IWAE_SWEEP_PARENT_PID: String(process.pid) } });
         c.stdout.on('data', (d) => process.stdout.write(d));
         setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const child = await new Promise<number>((resolve, reject) => {
    parent.stdout.on('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    parent.on('exit', () => reject(new Error('parent exited early')));
  });
  leftover.push(child, parent.pid as number);
  expect(alive(child)).toBe(true);
  parent.kill('SIGKILL');
  const deadline = Date.now() + 15_000;
  while (alive(child) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(alive(child), `busy orphan ${child} still running 15 s after its parent was killed`).toBe(false);
}

describe('orphan guard', () => {
  it('a trial process whose main thread is busy still dies when its parent is SIGKILLed', () => orphanDies('busy-orphan'));

  it('a trial process orphaned before it armed the guard (its worker died during its start-up) dies too', () =>
    orphanDies('late-orphan'));
});
