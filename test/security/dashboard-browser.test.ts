import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResultsDb } from '@iwae-sweep/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { runCli } from '../helpers/cli.ts';
import { SHARED_REDIS, testDeployment } from '../helpers/deployment.ts';
import { withDb } from '../helpers/sweep-fixture.ts';
import { dbDigest, redisDigest, type Served, startServe } from './dashboard-fixture.ts';

// The dashboard in real Chromium against a hostile web: a page on another origin (another port on
// loopback) tries to forge writes, a rebound DNS name tries to reach it, and DB text tries to run
// as HTML. serve runs with --bull-board-writes, so bull-board's API is live and only the request
// guard stands between the attacker and Redis.

const cleanups: (() => Promise<void>)[] = [];
const d = testDeployment(
  'sec-browser',
  `name: hostile
description: '<img src=x onerror="window.__xss=1">'
base: { trainSize: 100, testSize: 10, batchSize: 50, epochs: 1, evalK: 5 }
grid:
  k: [1, 5]
  objective: [iwae]
`,
  (fn) => cleanups.push(fn),
);
const XSS = '<img src=x onerror="window.__xss=1">';
let browser: Browser;
let served: Served;
let attacker: Server;
let attackerUrl: string;
let trialId: string;

/** The attacker's page: fires forged writes at the dashboard, then says what happened to each. */
const ATTACK_PAGE = `<!doctype html><html><body><script>
(async () => {
  const target = new URLSearchParams(location.search).get('target');
  const forged = JSON.parse(new URLSearchParams(location.search).get('forged'));
  const attempts = {
    resultsAdd: fetch(target + '/queues/api/queues/results/add', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(forged) }),
    trialsAdd: fetch(target + '/queues/api/queues/trials/add', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'trial', data: forged.data }) }),
    cancel: fetch(target + '/api/sweeps/hostile/cancel', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: 'x' }),
    pauseForm: fetch(target + '/api/sweeps/hostile/pause', { method: 'POST', mode: 'no-cors', body: new URLSearchParams({ a: '1' }) }),
    pauseWithHeader: fetch(target + '/api/sweeps/hostile/pause', { method: 'POST', headers: { 'x-iwae-action': '1' } }),
    boardPause: fetch(target + '/queues/api/queues/trials/pause', { method: 'PUT' }),
    read: fetch(target + '/api/sweeps').then((r) => r.text()),
  };
  const out = {};
  for (const [k, p] of Object.entries(attempts)) {
    const r = await p.then((v) => ({ ok: true, type: v.type ?? 'text', body: typeof v === 'string' ? v : undefined }), (e) => ({ ok: false, error: String(e) }));
    out[k] = r;
  }
  document.body.dataset.result = JSON.stringify(out);
})();
</script></body></html>`;

beforeAll(async () => {
  const launched = await runCli(['launch', d.spec, '--db', d.db], { env: d.env });
  expect(launched.code, launched.stderr).toBe(0);
  // Text the DB may hold that must never become markup (objective is the field that was unescaped).
  const db = ResultsDb.open(d.db);
  try {
    const ids = db.trialsOf('hostile').map((t) => t.id);
    trialId = ids[0] ?? '';
    db.sqlite
      .prepare('update trials set objective = ?, host = ?, worker_id = ?, phase = ? where id = ?')
      .run(XSS, XSS, XSS, XSS, trialId);
  } finally {
    db.close();
  }
  served = await startServe(d.start, ['--db', d.db, '--bull-board-writes']);
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(ATTACK_PAGE);
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  // evil.example resolves to loopback: a DNS-rebinding attacker's name, without a DNS server.
  browser = await launchChromium(['--host-resolver-rules=MAP evil.example 127.0.0.1']);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => attacker?.close(r));
  for (const c of cleanups) await c();
});

async function snapshot() {
  return { db: dbDigest(d.db), redis: await redisDigest(SHARED_REDIS, d.prefix) };
}

/** Records CSP violations from the first script on. */
async function watchCsp(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}
const violations = (page: Page) => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

describe('the dashboard in Chromium against a hostile web', () => {
  it('a page on another origin cannot write through bull-board or our actions; Redis and the DB stay as they were', async () => {
    const before = await snapshot();
    expect(before.redis.length).toBeGreaterThan(3);
    const forged = {
      name: 'trial-failed',
      data: {
        sweepId: 'hostile',
        trialId,
        workerId: 'evil:1',
        attempt: 1,
        error: { name: 'Error', message: 'forged' },
        final: true,
      },
    };
    const page = await browser.newPage();
    const q = new URLSearchParams({ target: served.url, forged: JSON.stringify(forged) });
    await page.goto(`${attackerUrl}/?${q}`);
    await page.waitForSelector('body[data-result]', { state: 'attached', timeout: 30_000 });
    const result = JSON.parse((await page.getAttribute('body', 'data-result')) ?? '{}') as Record<string, { ok: boolean }>;
    // Every attempt settled, none readable by the attacker: the no-cors ones are sent but their
    // answers withheld (our Cross-Origin-Resource-Policy), the others stop at the preflight.
    expect(Object.keys(result)).toHaveLength(7);
    for (const [k, r] of Object.entries(result)) expect(r.ok, k).toBe(false);
    await page.close();
    // An add is in Redis before its response; the fetches have all been answered.
    expect(await snapshot()).toEqual(before);
    const t = withDb(d.db, (db) => db.getTrial(trialId));
    expect(t?.status).toBe('queued');
    expect(withDb(d.db, (db) => db.sweepSummaries('hostile')[0]?.state)).toBe('active');
  });

  it('a rebound DNS name reaching our port is refused (421), and so is its same-origin action', async () => {
    const before = await snapshot();
    const page = await browser.newPage();
    const rebound = `http://evil.example:${served.port}`;
    const res = await page.goto(`${rebound}/`);
    expect(res?.status()).toBe(421);
    expect(await page.textContent('body')).toMatch(/^misdirected request: host "evil\.example:\d+" is not this dashboard/);
    // The attacker's own page at that origin (served by them before the rebinding):
    await page.route(`${rebound}/attack`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><p>hi</p>' }),
    );
    await page.goto(`${rebound}/attack`);
    const status = await page.evaluate(() =>
      fetch('/api/sweeps/hostile/cancel', { method: 'POST', headers: { 'x-iwae-action': '1' } }).then(
        (r) => r.status,
        (e) => String(e),
      ),
    );
    // Chromium retries a 421 once on a fresh connection, then may give up with a network error.
    expect([421, 'TypeError: Failed to fetch']).toContain(status);
    await page.close();
    expect(await snapshot()).toEqual(before);
  });

  it('our pages run under a CSP without inline script, with no violation, and DB text stays text', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
    await watchCsp(page);
    await page.goto(`${served.url}/`);
    await page.waitForSelector('#sweeps tr[data-sweep="hostile"]');
    expect(await page.textContent('#sweeps')).toContain(XSS); // the description, shown as text
    expect(await page.locator('img').count()).toBe(0);
    await page.goto(`${served.url}/sweeps/hostile`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    // Each field in its own cell, as text: objective (3rd column), worker (last).
    const row = page.locator(`#trials tr[data-id="${trialId}"]`);
    expect(await row.locator('td').nth(2).textContent()).toBe(XSS);
    expect(await row.locator('td').last().textContent()).toBe(XSS);
    expect(await page.locator('img').count()).toBe(0);
    await page.goto(`${served.url}/trials/${trialId}`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('dl.kv')).toContain(XSS);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await violations(page)).toEqual([]);
    await page.close();
  });

  it("bull-board's page still renders under its own CSP", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await watchCsp(page);
    await page.goto(`${served.url}/queues`);
    await page.waitForFunction(() => /trials/.test(document.querySelector('#root')?.textContent ?? ''), undefined, {
      timeout: 30_000,
    });
    // Only its external web font is refused (nothing leaves this machine).
    expect((await violations(page)).filter((v) => !v.includes('fonts.googleapis.com'))).toEqual([]);
    await page.close();
  });
});
