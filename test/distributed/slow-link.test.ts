import type { TrialRow } from '@iwae-sweep/db';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/cli.ts';
import { Cluster } from '../helpers/cluster.ts';
import { assertExactlyOnce, readTrials } from '../helpers/sweep-fixture.ts';

const SPEC = `name: slow
base: { trainSize: 400, testSize: 20, batchSize: 100, epochs: 2, evalK: 20 }
grid:
  k: [5]
  objective: [iwae]
`;

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('a worker behind a slow link (150 ms each way) to a TLS + password Redis', () => {
  // Every round trip takes 300 ms: the TLS handshake, AUTH, the startup check, each lock
  // renewal. Before: the startup check passed, then its QUIT failed (the proxy dropped the
  // reply that was still on its way when Redis closed the connection) and the worker exited.
  it('starts, and runs a trial to the end', async () => {
    cluster = await Cluster.start({ label: 'slow', spec: SPEC, workers: 1, lockMs: 10_000 });
    const c = cluster;
    const host = c.workers[0] as NonNullable<(typeof c.workers)[0]>;
    host.proxy.slow(150);
    const trial = (): TrialRow | undefined => readTrials(c.db, 'slow')[0];
    const seen = () => ({ trial: trial()?.status, running: host.running, log: host.log.slice(-800) });
    expect((await c.cli(['launch', c.spec, '--db', c.db])).code).toBe(0);
    c.collector.start();
    host.start();
    await waitFor(() => /waiting for trials/.test(host.log) || !host.running, 120_000, 'the worker started', 100, seen);
    expect(host.running, host.log).toBe(true);
    await waitFor(() => trial()?.status === 'done', 240_000, 'the trial done', 200, seen);
    expect(trial()?.workerId).toBe('host-1');
    expect(assertExactlyOnce(c.db, 'slow')).toEqual({ trials: 1, epochs: 2 });
    expect(host.proxy.delayMs).toBe(150); // slow the whole time
  }, 540_000);
});
