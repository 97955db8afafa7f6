import { spawn } from 'node:child_process';
import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { alive, CLI, REPO, startCli, tempDir, waitFor } from '../helpers/cli.ts';
import { lrPlan, writeLrSweep } from '../helpers/lr-sweep-fixture.ts';
import { readTrials } from '../helpers/sweep-fixture.ts';

/**
 * The dashboard in Chromium on what a researcher meets on the way: a local run that died (its
 * trials are interrupted, like the sweep), a reused trial (its original named), the sweeps table
 * at 1400 px, and no console error (the favicon is served under the CSP).
 */
const tmp = tempDir('dashboard-loop');
const db = tmp.file('iwae.db');
let browser: Browser;
let serve: ReturnType<typeof startCli>;
let url: string;
const FIXTURE_SHA = 'fixture-code-version';

/** A local run killed as a terminal kills it (its whole process group), mid-trial. */
async function killedRun(): Promise<void> {
  const spec = tmp.file(
    'killme.yaml',
    'name: killme\ndescription: a local run killed mid-trial, as a terminal kills a job\nbase: { objective: iwae, k: 2, trainSize: 2000, testSize: 20, batchSize: 100, epochs: 200, evalK: 10 }\n',
  );
  const runner = spawn(process.execPath, [CLI, 'run', spec, '--db', db, '--workers', '1', '--progress', 'lines'], {
    cwd: REPO,
    detached: true,
    stdio: 'ignore',
  });
  const pid = runner.pid as number;
  try {
    await waitFor(
      () => readTrials(db, 'killme')[0]?.status === 'running',
      180_000,
      'the trial to run',
      200,
      () => readTrials(db, 'killme').map((t) => t.status),
    );
  } finally {
    process.kill(-pid, 'SIGKILL');
    await waitFor(() => !alive(pid), 10_000, 'the runner to die');
  }
}

/** The search of the fixture run again under another name with reuse (same code version). */
function reusedSweep(): string[] {
  const copy = expandSweep(sweepSpecFromObject({ ...lrPlan.spec, name: 'lrs-again', description: undefined }));
  const rdb = ResultsDb.open(db);
  try {
    rdb.sqlite.prepare('update trials set git_sha = ? where sweep_id = ?').run(FIXTURE_SHA, lrPlan.sweepId);
    rdb.saveSweep({ id: copy.sweepId, spec: copy.spec, mode: 'local' });
    rdb.addTrials(copy.sweepId, copy.trials);
    return rdb.reuseTrials(rdb.findReusable(copy.sweepId, copy.trials, { gitSha: FIXTURE_SHA, backends: ['wasm'] }));
  } finally {
    rdb.close();
  }
}

beforeAll(async () => {
  writeLrSweep(db);
  expect(reusedSweep()).toHaveLength(lrPlan.trials.length);
  await killedRun();
  browser = await launchChromium();
  serve = startCli(['serve', '--db', db, '--port', '0']);
  url = await waitFor(
    () => /dashboard at (http:\/\/[^\s";]+?)\/?(?:[;"]|$)/m.exec(serve.seen().stderr)?.[1],
    60_000,
    'the dashboard URL',
    100,
    () => serve.seen().stderr,
  );
}, 300_000);
afterAll(async () => {
  await browser?.close();
  serve?.kill('SIGKILL');
  tmp.cleanup();
});

/** A page that records every console error and failed request (a 404 favicon shows as both). */
async function openPage(path: string, width = 1400): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
  await page.goto(`${url}${path}`);
  return { page, errors };
}

describe('the dashboard on the researcher path (Chromium)', () => {
  it("shows a dead local run's trials as interrupted in the trial table and on the trial page", async () => {
    const { page, errors } = await openPage('/sweeps/killme');
    try {
      await page.waitForSelector('body[data-table-ready="true"]', { timeout: 15_000 });
      const statuses = await page.$$eval('#trials tbody tr td:nth-child(2) .status', (s) => s.map((e) => e.textContent));
      expect(statuses).toEqual(['interrupted']);
      const href = await page.getAttribute('#trials tbody tr a', 'href');
      await page.goto(`${url}${href}`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
      expect(await page.textContent('h1 .status')).toBe('interrupted');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("marks reused trials in the trial table and names a reused trial's original on its page, with a link", async () => {
    const trial = readTrials(db, 'lrs-again')[0];
    const { page, errors } = await openPage('/sweeps/lrs-again');
    try {
      await page.waitForSelector('body[data-table-ready="true"]', { timeout: 15_000 });
      const marks = await page.$$eval('#trials tbody .reused', (s) => s.map((e) => e.getAttribute('title')));
      expect(marks).toHaveLength(8);
      expect(marks.every((m) => /^reused from lrs\/t[0-9a-f]{20}$/.test(m ?? ''))).toBe(true);
      await page.goto(`${url}/trials/${trial?.id}`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
      const link = await page.getAttribute('#reused-from a', 'href');
      expect(link).toBe(`/trials/${trial?.reusedFrom}`);
      expect(await page.textContent('#reused-from')).toContain(`lrs/${trial?.reusedFrom}`);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('fits the sweeps table in a 1400 px window, with no console error (favicon served)', async () => {
    const { page, errors } = await openPage('/');
    try {
      await page.waitForSelector('#sweeps tbody tr');
      const sizes = await page.evaluate(() => {
        const table = document.getElementById('sweeps') as HTMLElement;
        return {
          page: document.documentElement.scrollWidth,
          window: window.innerWidth,
          table: table.getBoundingClientRect().right,
          // The table's own width against the box it sits in (which would scroll, not clip, past it).
          tableWidth: table.scrollWidth,
          box: (table.parentElement as HTMLElement).clientWidth,
        };
      });
      expect(sizes.page, JSON.stringify(sizes)).toBeLessThanOrEqual(sizes.window);
      expect(sizes.table, JSON.stringify(sizes)).toBeLessThanOrEqual(sizes.window);
      expect(sizes.tableWidth, JSON.stringify(sizes)).toBeLessThanOrEqual(sizes.box);
      const icon = await page.evaluate(async () => {
        const r = await fetch('/favicon.ico');
        return { status: r.status, type: r.headers.get('content-type') };
      });
      expect(icon).toEqual({ status: 200, type: 'image/svg+xml' });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
