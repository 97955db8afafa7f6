import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { deletePrefix, uniquePrefix, withDb } from '../helpers/sweep-fixture.ts';

/** `launch --reuse`: a trial identical to a finished one is copied into the DB and never queued. */
const REDIS = 'redis://127.0.0.1:6379';
const prefix = uniquePrefix('launch-reuse');
const tmp = tempDir('launch-reuse');
const env = { IWAE_SWEEP_PREFIX: prefix, IWAE_SWEEP_REDIS_URL: REDIS };
const db = `${tmp.dir}/iwae.db`;
const spec = (name: string, ks: string) =>
  tmp.file(
    `${name}.yaml`,
    `name: ${name}\nbase: { objective: iwae, trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10 }\ngrid: { k: [${ks}] }\n`,
  );
afterAll(async () => {
  await deletePrefix(REDIS, prefix);
  tmp.cleanup();
});

describe('launch --reuse on real Redis', () => {
  it('queues only the trials that must train; the copy is done at once and names its original', async () => {
    const local = await runCli(['run', spec('first', '3'), '--db', db, '--progress', 'lines']);
    expect(local.code, local.stderr).toBe(0);
    const dry = await runCli(['launch', spec('copy', '3, 4'), '--db', db, '--dry-run', '--reuse'], { env });
    expect(dry.stdout).toMatch(/would add 2 trials: 1 would be reused, 1 to train/);

    const r = await runCli(['launch', spec('copy', '3, 4'), '--db', db, '--reuse'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/reuse: 1 trial\(s\) copied from finished identical trials of first/);
    expect(r.stderr).toMatch(/sweep copy: 2 trials \(2 new\), 1 queued in Redis, 1 already done/);
    const status = JSON.parse((await runCli(['status', '--db', db, '--sweep', 'copy', '--format', 'json'], { env })).stdout) as {
      trials: { id: string; status: string }[];
      queue: { counts: Record<string, number> };
    };
    expect((status.queue.counts.waiting ?? 0) + (status.queue.counts.prioritized ?? 0)).toBe(1);
    withDb(db, (d) => {
      const [original] = d.trialsOf('first');
      const rows = d.results({ sweepId: 'copy' });
      expect(rows.find((t) => t.k === 3)).toMatchObject({
        status: 'done',
        reusedFrom: `first/${original?.id}`,
        testNll: original?.testNll,
      });
      expect(rows.find((t) => t.k === 4)).toMatchObject({ status: 'queued', reusedFrom: null });
    });
  }, 180_000);
});
