import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { IwaeSweepError } from '@iwae-sweep/core';

export class SweepBusyError extends IwaeSweepError {
  override readonly name = 'SweepBusyError';
  constructor(sweepId: string, pid: number, file: string) {
    super('sweep_busy', `sweep "${sweepId}" is already being run by process ${pid} (lock file ${file})`);
  }
}

/** Who holds a lock: the runner's pid and host (a pid means nothing on another machine). */
interface LockOwner {
  pid: number;
  host: string;
}

/**
 * What a reader can tell about a sweep's local runner from its lock: `alive` (a process on this
 * host holds it, or one on another host we cannot check), `dead` (its process is gone: killed,
 * crashed), or `none` (no run holds it: finished, stopped, or never run here).
 */
export type LocalRunState = 'alive' | 'dead' | 'none';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A killed runner not yet reaped by its parent is a zombie: signal 0 still reaches it (or gives
  // EPERM on some kernels), but it is dead.
  return !zombie(pid);
}

function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // no /proc (not Linux): signal 0 is all we have
  }
}

function readOwner(file: string): LockOwner | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  // Older locks hold only the pid (always this host's).
  if (/^\d+$/.test(text)) return { pid: Number(text), host: hostname() };
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return Number.isInteger(o.pid) && typeof o.host === 'string' ? { pid: o.pid as number, host: o.host } : undefined;
  } catch {
    return undefined;
  }
}

function ownerAlive(o: LockOwner): boolean {
  // Another host's process cannot be probed: assume it runs (never steal a live run's lock).
  return o.host !== hostname() || alive(o.pid);
}

/**
 * One local run per sweep and DB at a time: a lock file next to the DB holding the runner's pid
 * and host. A lock left by a process that no longer exists (a killed runner) is taken over, and
 * readers (`status`, the dashboard) use it to tell a live run from a dead one.
 */
export class RunLock {
  private constructor(private readonly file: string) {}

  /** The lock of `sweepId` in the DB `dbFile`: `.iwae-sweep/locks/<db name>/<sweep>.lock` beside it. */
  static fileFor(dbFile: string, sweepId: string): string {
    return join(dirname(dbFile), '.iwae-sweep', 'locks', basename(dbFile), `${sweepId}.lock`);
  }

  static acquire(dbFile: string, sweepId: string): RunLock {
    const file = RunLock.fileFor(dbFile, sweepId);
    mkdirSync(dirname(file), { recursive: true });
    for (let tries = 0; tries < 3; tries++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname() }));
        closeSync(fd);
        return new RunLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = readOwner(file);
        // Our own pid in a lock is a dead runner's, reused: take it over.
        if (owner && !(owner.pid === process.pid && owner.host === hostname()) && ownerAlive(owner)) {
          throw new SweepBusyError(sweepId, owner.pid, file);
        }
        rmSync(file, { force: true });
      }
    }
    throw new IwaeSweepError('sweep_busy', `could not take the lock ${file}`);
  }

  /** The state of the local run of `sweepId` on `dbFile`, as its lock tells it. */
  static state(dbFile: string, sweepId: string): LocalRunState {
    const owner = readOwner(RunLock.fileFor(dbFile, sweepId));
    if (!owner) return 'none';
    return ownerAlive(owner) ? 'alive' : 'dead';
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}
