import { afterAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { runCli, startCli, tempDir, waitFor } from '../helpers/cli.ts';
import { Cluster, waitUntil } from '../helpers/cluster.ts';
import { dashboardUrl } from '../helpers/dashboard-url.ts';
import { assertExactlyOnce, readTrials } from '../helpers/sweep-fixture.ts';
import { makeServerCertificates } from '../helpers/tls-certs.ts';

const SPEC = `name: smoke
base: { trainSize: 200, testSize: 20, batchSize: 50, epochs: 2, evalK: 20, evalKs: [1, 5] }
grid:
  k: [1, 2, 3]
  objective: [iwae]
`;

let cluster: Cluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

describe('a cluster of separate hosts over TLS with a password and no shared disk', () => {
  it('runs a sweep on two hosts through their own links', async () => {
    cluster = await Cluster.start({ label: 'smoke', spec: SPEC, workers: 2 });
    const c = cluster;
    const launched = await c.cli(['launch', c.spec, '--db', c.db]);
    expect(launched.code, launched.stderr).toBe(0);
    c.collector.start();
    for (const w of c.workers) w.start();
    await waitFor(
      () => readTrials(c.db, 'smoke').filter((t) => t.status === 'done').length === 3,
      120_000,
      'all 3 trials done',
      200,
      () => ({ trials: readTrials(c.db, 'smoke').map((t) => t.status), log: c.workers.map((w) => w.log.slice(-300)) }),
    );
    expect(assertExactlyOnce(c.db, 'smoke')).toEqual({ trials: 3, epochs: 6 });
    const hosts = new Set(readTrials(c.db, 'smoke').map((t) => t.host));
    expect([...hosts].every((h) => h === 'host-1' || h === 'host-2')).toBe(true);
    // Started with `auto`: a worker that ran a trial shows the backend it resolved to. Its heartbeat
    // says 0/1 once BullMQ has completed its last job, after the result the DB already shows:
    // read status until it has caught up.
    const line = (host: string) => {
      const ran = readTrials(c.db, 'smoke').some((t) => t.workerId === host);
      const backend = ran ? 'auto → [a-z-]+' : 'auto';
      return new RegExp(`^${host} +${host} +${backend} +0/1 +\\d+ +[\\d.]+ s ago +alive$`, 'm');
    };
    let status: Awaited<ReturnType<typeof c.cli>> | undefined;
    await waitUntil(
      async () => {
        status = await c.cli(['status', '--db', c.db]);
        return status.code === 0 && ['host-1', 'host-2'].every((host) => line(host).test(status?.stdout ?? ''));
      },
      60_000,
      'both hosts idle and alive in status',
      () => status,
    );
  });

  it('the dashboard lists the workers: host, backend, running trials, throughput, last seen', async () => {
    const c = cluster as Cluster;
    const serve = startCli(['serve', '--db', c.db, '--port', '0'], { env: c.envVia() });
    const browser = await launchChromium();
    try {
      const url = await dashboardUrl(serve);
      const page = await browser.newPage();
      await page.goto(`${url}/`);
      await page.waitForSelector('#workers tr[data-worker="host-2"]', { timeout: 30_000 });
      const row = (await page.textContent('#workers tr[data-worker="host-1"]')) ?? '';
      expect(row).toMatch(/^host-1\s*host-1\s*auto( → [a-z-]+)?\s*0\/1/);
      expect(row).toMatch(/ago\s*alive$/);
    } finally {
      await browser.close();
      serve.kill('SIGKILL');
      await serve.output;
    }
  });

  it('status shows a worker that vanished (killed: its heartbeat expires) apart from one that stopped', async () => {
    const c = cluster as Cluster;
    await c.workers[1]?.kill();
    const w1 = c.workers[0];
    w1?.signalHost('SIGTERM');
    await w1?.proc?.output;
    let last = '';
    await waitUntil(
      async () => {
        last = (await c.cli(['status', '--db', c.db])).stdout;
        return /^host-2 .* vanished$/m.test(last) && /^host-1 .* stopped$/m.test(last);
      },
      30_000,
      'host-2 vanished and host-1 stopped in status',
      () => last,
    );
  });

  it('a worker given a CA that did not sign the server certificate exits 78 with a TLS message', async () => {
    const c = cluster as Cluster;
    const other = tempDir('other-ca');
    try {
      const wrongCa = makeServerCertificates(other.dir).ca;
      const out = await runCli(['worker', '--checkpoints', 'redis'], { env: { ...c.envVia(), IWAE_SWEEP_REDIS_CA: wrongCa } });
      expect(out.code, out.stderr).toBe(78);
      expect(out.stderr).toMatch(/TLS handshake failed/);
      expect(out.stderr).not.toMatch(/pw-/); // the password is never printed
    } finally {
      other.cleanup();
    }
  });
});
