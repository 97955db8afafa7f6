import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { killTree, REPO, startCli, tempDir, waitFor } from '../helpers/cli.ts';
import { readTrials, trialStates, withDb } from '../helpers/sweep-fixture.ts';

// A real early-stopped sweep on the local runner, as in test/e2e/early-stopping.test.ts: the
// learner (lr 0.003) arrives first at each rung and continues; the other (lr 1e-6) ranks 2nd of 2
// at rung 1 (epoch 1), and with η = 2 only the top 1 continues: it stops. Rungs at epochs 1, 2.
const ARTIFACTS = join(REPO, 'test-results');
mkdirSync(ARTIFACTS, { recursive: true });
const tmp = tempDir('dashboard-rungs');
const db = `${tmp.dir}/iwae.db`;
const spec = tmp.file(
  'asha.yaml',
  `name: asha-dash
description: rungs on the dashboard
stopping: { method: asha, minEpochs: 1, reductionFactor: 2 }
base: { objective: iwae, k: 3, trainSize: 500, testSize: 40, batchSize: 50, epochs: 3, evalK: 20, validationSize: 100, validationK: 20 }
grid: { learningRate: [0.003, 0.000001] }
`,
);
const procs: ReturnType<typeof startCli>[] = [];
let browser: Browser;
let url: string;
/** The first trial's process, frozen as soon as it runs (before Chromium and serve start). */
let frozen: number | undefined;
const thaw = () => {
  if (frozen === undefined) return;
  try {
    process.kill(frozen, 'SIGCONT');
  } catch {
    // Gone already.
  }
  frozen = undefined;
};

const rungRecords = () => withDb(db, (d) => d.rungs.rungsOfSweep('asha-dash'));

beforeAll(async () => {
  browser = await launchChromium();
  const runner = startCli(['run', spec, '--db', db, '--workers', '1', '--progress', 'lines']);
  procs.push(runner);
  await waitFor(() => readTrials(db, 'asha-dash').length === 2, 60_000, 'the sweep in the DB', 100, trialStates(db, 'asha-dash'));
  // Frozen at once: on an idle machine the whole sweep ends while Chromium and serve start, and
  // the page must open on a sweep that has not been judged at every rung yet.
  const running = await waitFor(
    () => readTrials(db, 'asha-dash').find((t) => t.status === 'running' && t.workerId),
    90_000,
    'a trial running',
    20,
    trialStates(db, 'asha-dash'),
  );
  frozen = Number(running.workerId?.split(':')[1]);
  process.kill(frozen, 'SIGSTOP');
  const serve = startCli(['serve', '--db', db, '--port', '0']);
  procs.push(serve);
  let stderr = '';
  serve.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  url = await waitFor(
    () => /dashboard at (http:\/\/[^\s";]+?)\/?(?:[;"]|$)/m.exec(stderr)?.[1],
    60_000,
    'the dashboard URL',
    100,
    () => stderr,
  );
}, 120_000);
afterAll(async () => {
  thaw();
  await browser?.close();
  for (const p of procs) await killTree(p);
  tmp.cleanup();
});

describe('the sweep page of an early-stopped sweep, in Chromium', () => {
  it('shows the rungs and the stopped trial live: records, promoted/stopped, cutoff, rung, bound and reason', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    // A CSP refusal is a console error; a failed request names its URL (the browser's own
    // favicon request is no part of the page).
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
    });
    // The page opens while the first trial is frozen: it has not been judged at every rung yet,
    // so what the page shows at the end it learned live.
    const atLoad = await (async () => {
      try {
        const before = rungRecords().length;
        await page.goto(`${url}/sweeps/asha-dash`);
        await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
        return { before, shown: await page.getAttribute('#rungs', 'data-records') };
      } finally {
        thaw();
      }
    })();
    expect(atLoad.before).toBeLessThan(3);
    expect(atLoad.shown).toBe(String(atLoad.before));
    expect(await page.isVisible('#rungs')).toBe(true);
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));

    let seen = '';
    await waitFor(
      async () => {
        // The decision is recorded when the trial reaches the rung; its process ends there a
        // moment later (the row says "stopping" until then): both must reach the page live.
        seen = await page.evaluate(() => {
          const el = document.querySelector('#rungs') as HTMLElement | null;
          const now = document.querySelector('#stopped-table tbody tr td:last-child')?.textContent;
          return `records=${el?.dataset.records} stopped=${el?.dataset.stopped} now=${now}`;
        });
        return seen === 'records=3 stopped=1 now=stopped';
      },
      180_000,
      'the page to show all three rung decisions and the stopped trial ended',
      250,
      () =>
        `page: ${seen}; DB: ${JSON.stringify(rungRecords().map((r) => [r.epoch, r.stop]))}; ${trialStates(db, 'asha-dash')()}`,
    );
    expect(navigations).toEqual([]);
    const records = rungRecords();
    expect(records.map((r) => [r.epoch, r.stop])).toEqual([
      [1, false],
      [1, true],
      [2, false],
    ]);
    const [learner1, stopped1, learner2] = records;
    if (!learner1 || !stopped1 || !learner2) throw new Error('missing rung records');
    // The sweep's name puts the learner first in the plan (ids break the tie of equal costs).
    expect(
      withDb(db, (d) => d.trialConfig(learner1.trialId)?.learningRate),
      'the learner must arrive first',
    ).toBe(0.003);
    const rows = await page
      .locator('#rung-table tbody tr')
      .evaluateAll((trs) => trs.map((r) => Array.from(r.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    // Rung 1: two recorded, one promoted, one stopped; a third arrival needs the top ⌈3/2⌉ = 2, i.e.
    // at least the worse of the two. Rung 2: the learner alone; the next must reach its bound.
    expect(rows).toEqual([
      ['1', '1', '2', '1', '1', learner1.metric.toFixed(2), `≥ ${stopped1.metric.toFixed(2)}`],
      ['2', '2', '1', '1', '0', learner2.metric.toFixed(2), `≥ ${learner2.metric.toFixed(2)}`],
    ]);
    const stoppedRow = page.locator('#stopped-table tbody tr');
    expect(await stoppedRow.count()).toBe(1);
    expect(await stoppedRow.getAttribute('data-trial')).toBe(stopped1.trialId);
    const cells = await stoppedRow.locator('td').allTextContents();
    expect(cells).toEqual([
      'iwae 1L K=3 z=50 s0 learningRate=0.000001',
      '1',
      '1',
      stopped1.metric.toFixed(2),
      stopped1.reason,
      'stopped',
    ]);
    expect(stopped1.reason).toMatch(/ranks 2nd of 2; stopped: the top 1 \(1\/2\) continue/);
    expect(await stoppedRow.locator('a').getAttribute('href')).toBe(`/trials/${stopped1.trialId}`);
    // The plot: both trials, the stopped one grey with the rule's words on hover, rungs at 1 and 2.
    await page.waitForFunction(() => (document.querySelector('#chart-rungs') as HTMLElement | null)?.dataset.rungs === '1,2');
    const legend = await page.locator('#chart-rungs .u-legend .u-series').evaluateAll((entries) =>
      entries.slice(1).map((s) => ({
        trial: (s as HTMLElement).dataset.trial,
        title: (s as HTMLElement).title,
        colour: getComputedStyle(s.querySelector('.u-marker') as Element).borderColor,
      })),
    );
    expect(legend).toHaveLength(2);
    expect(legend.find((e) => e.trial === stopped1.trialId)).toEqual({
      trial: stopped1.trialId,
      title: stopped1.reason,
      colour: 'rgb(184, 184, 184)',
    });
    expect(legend.find((e) => e.trial === learner1.trialId)?.colour).not.toBe('rgb(184, 184, 184)');
    // The trial table says it, too (it refreshes on its own fetch, so it is waited for).
    await page.waitForFunction(
      (id) => document.querySelector(`#trials tbody tr[data-id="${id}"]`)?.textContent?.includes('stopped'),
      stopped1.trialId,
      { timeout: 30_000 },
    );
    await page.locator('#rungs').screenshot({ path: join(ARTIFACTS, 'dashboard-rungs.png') });
    // Nothing refused by the page's CSP, no script error.
    expect(problems).toEqual([]);
    await page.close();
  });

  it('answers the rule of a sweep with one, and 404 for no sweep', async () => {
    const none = await fetch(`${url}/api/sweeps/no-such-sweep/rungs`);
    expect(none.status).toBe(404);
    const body = (await (await fetch(`${url}/api/sweeps/asha-dash/rungs`)).json()) as { rungs: { stopping: unknown } | null };
    expect(body.rungs?.stopping).toEqual({ method: 'asha', minEpochs: 1, reductionFactor: 2 });
  });
});
