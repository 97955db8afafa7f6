import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from './errors.ts';

/**
 * Where trial checkpoints live. Every worker that may resume a trial must reach the same store:
 * a shared directory by default, or Redis where machines share no filesystem.
 */
/** What a store may check before replacing a checkpoint (a newer epoch must never be undone). */
export interface CheckpointSaveInfo {
  epoch: number;
}

export interface CheckpointStore {
  load(key: string): Promise<Buffer | undefined>;
  save(key: string, data: Buffer, info?: CheckpointSaveInfo): Promise<void>;
  remove(key: string): Promise<void>;
  /** Human-readable location, for logs. */
  describe(key: string): string;
}

const KEY = /^[A-Za-z0-9_.-]{1,128}$/;

function checkKey(key: string): void {
  if (!KEY.test(key)) throw new CheckpointError(key, 'key must be 1-128 characters of letters, digits, "_", "." or "-"');
}

/**
 * Checkpoints as files `<dir>/<key>.ckpt`, written atomically (temporary file, fsync, rename):
 * a process killed mid-write leaves the previous checkpoint intact.
 */
export class DirectoryCheckpointStore implements CheckpointStore {
  constructor(readonly dir: string) {}

  describe(key: string): string {
    return join(this.dir, `${key}.ckpt`);
  }

  async load(key: string): Promise<Buffer | undefined> {
    checkKey(key);
    try {
      return readFileSync(this.describe(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CheckpointError(this.describe(key), `cannot read (${(err as Error).message})`, { cause: err });
    }
  }

  async save(key: string, data: Buffer): Promise<void> {
    checkKey(key);
    mkdirSync(this.dir, { recursive: true });
    const file = this.describe(key);
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  }

  async remove(key: string): Promise<void> {
    checkKey(key);
    rmSync(this.describe(key), { force: true });
  }
}
