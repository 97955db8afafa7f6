import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { killTree, REPO, runCli, startCli, tempDir, waitFor, whileFrozen } from '../helpers/cli.ts';
import { dashboardUrl } from '../helpers/dashboard-url.ts';
import { readTrials, trialStates } from '../helpers/sweep-fixture.ts';

const ARTIFACTS = join(REPO, 'test-results');
mkdirSync(ARTIFACTS, { recursive: true });
const tmp = tempDir('dashboard');
const db = `${tmp.dir}/iwae.db`;
const spec = tmp.file(
  'live.yaml',
  `name: live
description: dashboard end-to-end
base: { trainSize: 2000, testSize: 20, batchSize: 100, epochs: 8, evalK: 20 }
grid:
  k: [10, 12, 14]
  objective: [iwae]
`,
);
const procs: ReturnType<typeof startCli>[] = [];
let browser: Browser;

/** Starts `serve` and returns the dashboard URL it prints. */
async function serve(args: string[]): Promise<{ url: string; proc: ReturnType<typeof startCli> }> {
  const proc = startCli(['serve', '--db', db, '--port', '0', ...args]);
  procs.push(proc);
  const url = await dashboardUrl(proc);
  return { url, proc };
}

// Every test reads the one running sweep, started here: each test can run alone (-t).
let runner: ReturnType<typeof startCli>;
beforeAll(async () => {
  browser = await launchChromium();
  runner = startCli(['run', spec, '--db', db, '--workers', '1', '--progress', 'lines']);
  procs.push(runner);
  await waitFor(() => readTrials(db, 'live').length === 3, 180_000, 'the sweep in the DB', 100, trialStates(db, 'live'));
}, 240_000);
afterAll(async () => {
  await browser?.close();
  for (const p of procs) await killTree(p);
  tmp.cleanup();
});

describe('the dashboard in headless Chromium, on a real running sweep', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await serve([]));
  }, 120_000);

  it('lists the sweep, shows its trials, and grows a learning curve live without reloading', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(`${url}/`);
    await page.waitForSelector('#sweeps tr[data-sweep="live"]', { timeout: 30_000 });
    expect(await page.textContent('#sweeps tr[data-sweep="live"]')).toContain('local');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-sweeps.png'), fullPage: true });

    await page.click('a[href="/sweeps/live"]');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const rows = await page.locator('#trials tbody tr').count();
    expect(rows).toBe(3);
    // Wait for a running trial with at least one epoch on the chart, then for more, on the same page.
    const chart = page.locator('#chart-curves');
    await page.waitForFunction(
      () => Number(document.querySelector('#chart-curves')?.getAttribute('data-points')) >= 1,
      undefined,
      {
        timeout: 90_000,
      },
    );
    const first = Number(await chart.getAttribute('data-points'));
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    await page.waitForFunction((n) => Number(document.querySelector('#chart-curves')?.getAttribute('data-points')) > n, first, {
      timeout: 90_000,
    });
    expect(navigations).toEqual([]);
    expect(await page.locator('#trials tbody tr td.epochs').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^[1-8]\/8$/)]),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-sweep-live.png'), fullPage: true });
    // A trial with epochs: its page names both training bounds, each with a number per epoch.
    const trialId = await page.evaluate(
      () =>
        Array.from(document.querySelectorAll('#trials tbody tr'))
          .find((r) => /^[1-8]\/8$/.test(r.querySelector('td.epochs')?.textContent ?? ''))
          ?.getAttribute('data-id') ?? '',
    );
    expect(trialId).toMatch(/^t[0-9a-f]{20}$/);
    const trialPage = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await trialPage.goto(`${url}/trials/${trialId}`);
    await trialPage.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const head = await trialPage.locator('#epochs thead th').allTextContents();
    expect(head.slice(0, 3)).toEqual(['epoch', 'train ELBO (L_1 est.)', expect.stringMatching(/^train L_K \(K=\d+\)$/)]);
    const [, elbo, lk] = await trialPage.locator('#epochs tbody tr').first().locator('td').allTextContents();
    expect(Number(elbo)).toBeLessThan(Number(lk));
    await trialPage.close();
    await page.close();
  });

  it('cancels the sweep from the page: the runner stops and the page shows it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${url}/sweeps/live`);
    await page.waitForSelector('body[data-ready="true"]');
    // The running trial process is frozen until the page has cancelled: the sweep cannot end first.
    const running = await waitFor(
      () => readTrials(db, 'live').find((t) => t.status === 'running' && t.workerId),
      60_000,
      'a trial running',
      100,
      trialStates(db, 'live'),
    );
    await whileFrozen([Number(running.workerId?.split(':')[1])], async () => {
      await page.click('#actions button[data-action="cancel"]');
      await page.waitForSelector('#message', { timeout: 10_000 });
    });
    expect(await page.textContent('#message')).toMatch(/sweep live cancelled/);
    const out = await runner.output;
    expect(out.stderr).toMatch(/sweep live cancelled after/);
    await page.waitForFunction(() => document.querySelector('#sweep-status')?.textContent?.includes('cancelled'), undefined, {
      timeout: 15_000,
    });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-sweep-cancelled.png'), fullPage: true });
    // An ended sweep offers no action: pause, resume and cancel are all disabled.
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll('#actions button[data-action]')).every((b) => (b as HTMLButtonElement).disabled),
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.locator('#actions button[data-action]').count()).toBe(3);
    // The trial page shows the trial's own record.
    await page.click('#trials tbody tr a');
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('h1')).toMatch(/Trial t[0-9a-f]{20}/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-trial.png'), fullPage: true });
    await page.close();
  });

  it('serves Prometheus metrics and exports', async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    // Every trial of the sweep counted once, under whatever status it has now.
    const counts = [...metrics.matchAll(/^iwae_trials\{sweep="live",status="\w+"\} (\d+)$/gm)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(metrics).toMatch(/iwae_epochs_per_second \d/);
    const csv = await (await fetch(`${url}/api/sweeps/live/export.csv`)).text();
    expect(csv.split('\r\n')[0]).toMatch(/^sweep,trial,group,status,dataset,objective,k,m,beta,layers,latent,.*,learningRate,/);
  });
});

describe('dashboard safety', () => {
  it('refuses to bind beyond loopback without a token', async () => {
    const out = await runCli(['serve', '--db', db, '--host', '0.0.0.0', '--port', '0']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--host: got "0\.0\.0\.0", expected a loopback address, or --token/);
  });

  it('checks the token on every request; actions need POST with our header', async () => {
    const { url } = await serve(['--host', '127.0.0.1', '--token', 'sesame-open-sesame-1']);
    expect((await fetch(`${url}/api/sweeps`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/api/sweeps`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    const ok = await fetch(`${url}/api/sweeps`, { headers: { authorization: 'Bearer sesame-open-sesame-1' } });
    expect(ok.status).toBe(200);
    const auth = { authorization: 'Bearer sesame-open-sesame-1' };
    expect((await fetch(`${url}/api/sweeps/live/resume`, { method: 'POST', headers: auth })).status).toBe(403);
    expect((await fetch(`${url}/api/sweeps/live/resume`, { method: 'GET', headers: auth })).status).toBe(404);
    // A browser opens the page once with ?token=…, then works from the cookie.
    const page = await browser.newPage();
    const denied = await page.goto(`${url}/sweeps/live`);
    expect(denied?.status()).toBe(401);
    await page.goto(`${url}/sweeps/live?token=sesame-open-sesame-1`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(page.url()).toBe(`${url}/sweeps/live`);
    expect(await page.locator('#trials tbody tr').count()).toBe(3);
    await page.close();
  });
});
