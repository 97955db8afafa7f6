import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunLock, SweepBusyError } from './run-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'iwae-run-lock-'));
const db = join(dir, 'iwae.db');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function writeLock(sweepId: string, content: string): void {
  const file = RunLock.fileFor(db, sweepId);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

/** The pid of a process that has exited (a real pid, free now). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('RunLock', () => {
  it('a live runner on this host holds the sweep: state alive, a second run is refused', () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(sleeper);
    writeLock('live', JSON.stringify({ pid: sleeper.pid, host: hostname() }));
    expect(RunLock.state(db, 'live')).toBe('alive');
    expect(() => RunLock.acquire(db, 'live')).toThrow(SweepBusyError);
  });

  it('a dead runner: state dead, and the next run takes the lock over', () => {
    writeLock('dead', JSON.stringify({ pid: deadPid(), host: hostname() }));
    expect(RunLock.state(db, 'dead')).toBe('dead');
    const lock = RunLock.acquire(db, 'dead');
    expect(RunLock.state(db, 'dead')).toBe('alive');
    lock.release();
    expect(RunLock.state(db, 'dead')).toBe('none');
  });

  it("another host's runner cannot be probed: assumed alive, never taken over", () => {
    writeLock('remote', JSON.stringify({ pid: deadPid(), host: `${hostname()}-elsewhere` }));
    expect(RunLock.state(db, 'remote')).toBe('alive');
    expect(() => RunLock.acquire(db, 'remote')).toThrow(SweepBusyError);
  });

  it('reads the older lock format (a bare pid) and treats garbage as no lock', () => {
    writeLock('old', String(deadPid()));
    expect(RunLock.state(db, 'old')).toBe('dead');
    writeLock('junk', '{"pid": "x"');
    expect(RunLock.state(db, 'junk')).toBe('none');
    expect(RunLock.state(db, 'never-run')).toBe('none');
  });
});
