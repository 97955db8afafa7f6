import { SweepQueues } from '@iwae-sweep/queue';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { deletePrefix, uniquePrefix, withDb } from '../helpers/sweep-fixture.ts';

/**
 * `launch --dry-run --reuse` lists what the launch then does: every trial it queues (the new ones
 * and the sweep's unfinished ones, queued but never started among them), which of them it reuses
 * and which train. Each dry run is compared with the real launch that follows it, on real Redis.
 */
const REDIS = 'redis://127.0.0.1:6379';
const prefix = uniquePrefix('launch-dry-run');
const tmp = tempDir('launch-dry-run');
const env = { IWAE_SWEEP_PREFIX: prefix, IWAE_SWEEP_REDIS_URL: REDIS };
const db = `${tmp.dir}/iwae.db`;
const spec = (name: string, ks: string) =>
  tmp.file(
    `${name}-${ks.replace(/\D+/g, '_')}.yaml`,
    `name: ${name}\nbase: { objective: iwae, trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10 }\ngrid: { k: [${ks}] }\n`,
  );
afterAll(async () => {
  await deletePrefix(REDIS, prefix);
  tmp.cleanup();
});

/** The dry run's table: each trial listed, and where it would be reused from (empty: it trains). */
function listed(stdout: string): Map<string, string> {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('trial '));
  expect(start, stdout).toBeGreaterThanOrEqual(0);
  const rows = new Map<string, string>();
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('would ')) break;
    if (/^[-─\s]*$/.test(line)) continue;
    const id = line.split(/\s+/)[0] ?? '';
    rows.set(id, /\s(\S+\/\S+)\s*$/.exec(line)?.[1] ?? '');
  }
  return rows;
}

/** What the launch did: the sweep's trials with a job waiting in Redis, and those it reused (with their source). */
async function launched(sweepId: string): Promise<{ queued: string[]; reused: Map<string, string> }> {
  const trials = withDb(db, (d) => d.results({ sweepId }));
  const queues = await SweepQueues.open({ url: REDIS, prefix });
  try {
    const states = await queues.jobStates(trials.map((t) => t.trial));
    return {
      queued: trials.filter((t) => states.get(t.trial) === 'live').map((t) => t.trial),
      reused: new Map(trials.filter((t) => t.reusedFrom).map((t) => [t.trial, t.reusedFrom ?? ''])),
    };
  } finally {
    await queues.close();
  }
}

async function dryThenLaunch(file: string, extra: string[]) {
  const dry = await runCli(['launch', file, '--db', db, '--dry-run', '--reuse', ...extra], { env });
  expect(dry.code, dry.stderr).toBe(0);
  const r = await runCli(['launch', file, '--db', db, '--reuse', ...extra], { env });
  expect(r.code, r.stderr).toBe(0);
  return dry.stdout;
}

describe('launch --dry-run --reuse against the launch itself', () => {
  it('lists the queued, never-started trials of the sweep too: reused where Redis has no job, trained where it has', async () => {
    const first = await runCli(['run', spec('first', '3'), '--db', db, '--progress', 'lines']);
    expect(first.code, first.stderr).toBe(0);
    const [original] = withDb(db, (d) => d.trialsOf('first'));

    // A sweep launched without --reuse: k=3 and k=4 queued, never started, their jobs in Redis.
    const held = await runCli(['launch', spec('held', '3, 4'), '--db', db], { env });
    expect(held.code, held.stderr).toBe(0);
    // Launched again with --reuse and one more trial: the queued jobs are trained as they are.
    const heldDry = await dryThenLaunch(spec('held', '3, 4, 5'), ['--extend']);
    const heldDone = await launched('held');
    expect(heldDone.reused.size).toBe(0);
    expect(heldDone.queued).toHaveLength(3);
    expect(listed(heldDry)).toEqual(new Map(heldDone.queued.map((id) => [id, ''])));
    expect(heldDry).toMatch(/would add 1 trials and queue 2 unfinished one\(s\) of the sweep, estimated/);

    // A sweep whose jobs Redis lost (flushed): its queued trials are fresh, and k=3 is reused.
    const lost = await runCli(['launch', spec('lost', '3, 4'), '--db', db], { env });
    expect(lost.code, lost.stderr).toBe(0);
    await deletePrefix(REDIS, prefix);
    const lostDry = await dryThenLaunch(spec('lost', '3, 4, 5'), ['--extend']);
    const lostDone = await launched('lost');
    expect([...lostDone.reused.values()]).toEqual([`first/${original?.id}`]);
    expect(lostDone.queued).toHaveLength(2);
    expect(listed(lostDry)).toEqual(new Map([...lostDone.queued.map((id): [string, string] => [id, '']), ...lostDone.reused]));
    expect(lostDry).toMatch(/would add 1 trials and queue 2 unfinished one\(s\) of the sweep: 1 would be reused, 2 to train/);
  }, 240_000);
});
