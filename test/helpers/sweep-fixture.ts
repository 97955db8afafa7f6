import { randomBytes } from 'node:crypto';
import { ResultsDb, type TrialRow } from '@iwae-sweep/db';
import { Redis } from 'ioredis';

/** A prefix no other test uses, so tests can share one Redis. */
export function uniquePrefix(label: string): string {
  return `test-${label}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under a prefix (the tests' obliterate). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/**
 * Reads a sweep's trials from a DB another process writes. A DB that cannot be read throws (a
 * `waitFor` around it keeps polling and reports the error): an unreadable DB is never "no trials".
 */
export function readTrials(file: string, sweepId: string): TrialRow[] {
  return withDb(file, (db) => db.trialsOf(sweepId));
}

/** Whether the sweep has exactly `count` trials and every one has `status` (an empty sweep never does). */
export function allTrials(file: string, sweepId: string, count: number, status: TrialRow['status'] = 'done'): boolean {
  const rows = readTrials(file, sweepId);
  return rows.length === count && rows.every((t) => t.status === status);
}

/** A sweep's trials in a line (status, epochs, attempts, error), for a wait's failure message. */
export function trialStates(file: string, sweepId: string): () => string[] {
  return () =>
    readTrials(file, sweepId).map(
      (t) =>
        `${t.id.slice(0, 8)} ${t.status} ${t.epochsDone}/${t.epochsTotal} epochs, ${t.attempts} attempt(s)${t.error ? `: ${t.error.split('\n')[0]}` : ''}`,
    );
}

/** Reads a DB another process may be writing (read-only: never takes its write lock). */
export function withDb<T>(file: string, fn: (db: ResultsDb) => T): T {
  const db = ResultsDb.open(file, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Checks exactly-once effects: one result per finished trial, each epoch exactly once. */
export function assertExactlyOnce(file: string, sweepId: string): { trials: number; epochs: number } {
  return withDb(file, (db) => {
    const rows = db.sqlite
      .prepare(
        `select t.id, t.epochs_total as total, count(e.epoch) as n, count(distinct e.epoch) as distinctN, max(e.epoch) as maxEpoch
           from trials t left join epochs e on e.trial_id = t.id where t.sweep_id = ? and t.status = 'done' group by t.id`,
      )
      .all(sweepId) as { id: string; total: number; n: number; distinctN: number; maxEpoch: number }[];
    for (const r of rows) {
      if (r.n !== r.total || r.distinctN !== r.total || r.maxEpoch !== r.total) {
        throw new Error(`trial ${r.id}: ${r.n} epoch rows (${r.distinctN} distinct, max ${r.maxEpoch}) for ${r.total} epochs`);
      }
    }
    return { trials: rows.length, epochs: rows.reduce((a, r) => a + r.n, 0) };
  });
}
