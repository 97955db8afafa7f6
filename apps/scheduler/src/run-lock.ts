import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { IwaeSweepError } from '@iwae-sweep/core';

export class SweepBusyError extends IwaeSweepError {
  override readonly name = 'SweepBusyError';
  constructor(sweepId: string, pid: number, file: string) {
    super('sweep_busy', `sweep "${sweepId}" is already being run by process ${pid} (lock file ${file})`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One local run per sweep at a time: a lock file holding the runner's pid. A lock left by a
 * process that no longer exists (killed runner) is taken over.
 */
export class RunLock {
  private constructor(private readonly file: string) {}

  static acquire(file: string, sweepId: string): RunLock {
    mkdirSync(dirname(file), { recursive: true });
    for (let tries = 0; tries < 3; tries++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new RunLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(readFileSync(file, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new SweepBusyError(sweepId, pid, file);
        rmSync(file, { force: true });
      }
    }
    throw new IwaeSweepError('sweep_busy', `could not take the lock ${file}`);
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}
