import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedEnv } from '@iwae-sweep/cli';
import { ResultsDb } from '@iwae-sweep/db';
import { SweepQueues } from '@iwae-sweep/queue';

/** The Redis the benchmarks use: $IWAE_SWEEP_REDIS_URL, else the local one. */
export const BENCH_REDIS = sharedEnv().IWAE_SWEEP_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh key prefix, so a benchmark never meets another run's keys. */
export const benchPrefix = (label: string) => `bench-${label}-${randomBytes(3).toString('hex')}`;

/**
 * A distributed deployment for one benchmark run: its own Redis prefix, results DB and
 * directory (checkpoints go in `dir`); `close` deletes its keys and files.
 */
export async function benchDeployment(label: string) {
  const url = BENCH_REDIS;
  const prefix = benchPrefix(label);
  const dir = mkdtempSync(join(tmpdir(), `iwae-${label}-`));
  const db = ResultsDb.open(join(dir, 'iwae.db'));
  const queues = await SweepQueues.open({ url, prefix });
  return {
    url,
    prefix,
    dir,
    db,
    queues,
    async close(): Promise<void> {
      await queues.obliterate();
      await queues.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
