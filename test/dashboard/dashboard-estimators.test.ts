import { ResultsDb, TRIAL_STATUSES } from '@iwae-sweep/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatorPlan, fixtureSlopeSe, writeEstimatorSweep } from '../../apps/scheduler/src/test-fixtures/estimator-sweep.ts';
import { launchChromium } from '../helpers/browser.ts';
import { startCli, tempDir } from '../helpers/cli.ts';
import { dashboardUrl } from '../helpers/dashboard-url.ts';
import { openReport, writeReport } from '../helpers/report-page.ts';

// The estimator fixture (K ∈ {1, 5, 50} × iwae, iwae-dreg, miwae M=5, exact SNR power laws) on the
// dashboard's sweep page and in the HTML report, as Chromium shows them.
const tmp = tempDir('dashboard-estimators');
const db = tmp.file('iwae.db');
const report = tmp.file('report.html');
let browser: Browser;
let serve: ReturnType<typeof startCli>;
let url: string;
const se = fixtureSlopeSe([1, 5, 50]).toFixed(2);

beforeAll(async () => {
  writeEstimatorSweep(db);
  const rdb = ResultsDb.open(db, { readonly: true });
  try {
    writeReport(rdb, estimatorPlan.sweepId, report);
  } finally {
    rdb.close();
  }
  browser = await launchChromium();
  serve = startCli(['serve', '--db', db, '--port', '0']);
  url = await dashboardUrl(serve);
});
afterAll(async () => {
  await browser?.close();
  serve?.kill('SIGKILL');
  tmp.cleanup();
});

/** What a page shows of the estimators: table rows, slope rows, and the SNR charts' legends. */
async function estimatorViews(page: Page) {
  return page.evaluate(() => {
    const cells = (sel: string) =>
      Array.from(document.querySelectorAll(`${sel} tbody tr`)).map((tr) =>
        Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? ''),
      );
    const legend = (id: string) =>
      Array.from(document.querySelectorAll(`#${id} .u-legend .u-series .u-label`)).map((l) => l.textContent ?? '');
    const drawn = (window as unknown as { IwaeCharts: { drawn: Map<string, { data: number[][] }> } }).IwaeCharts.drawn;
    return {
      table: cells('#estimator-table'),
      slopes: cells('#snr-slopes'),
      encoderLegend: legend('chart-snr-encoder'),
      decoderLegend: legend('chart-snr-decoder'),
      encoderXs: drawn.get('chart-snr-encoder')?.data[0] ?? [],
    };
  });
}

function checkViews(v: Awaited<ReturnType<typeof estimatorViews>>) {
  const row = (estimator: string, k: string) => v.table.find((r) => r[0] === estimator && r[2] === k);
  // estimator, model, K, samples per point, NLL mean ± sd, seeds, units, encoder SNR, decoder SNR.
  expect(row('miwae M=5', 'M=5 × K=50')?.slice(3, 7)).toEqual(['250', '93.50 ± 0.71', '2', '11.0 ± 1.4']);
  expect(row('iwae-dreg', 'K=5')?.slice(3, 7)).toEqual(['5', '99.00 ± 0.71', '2', '11.0 ± 1.4']);
  expect(row('vae (= iwae at K=1)', 'K=1')?.[4]).toBe('100.40 ± 0.71');
  expect(v.table).toHaveLength(9);
  const slope = (series: string) => v.slopes.find((r) => r[0] === series);
  expect(slope('iwae 1L')?.slice(1, 6)).toEqual(['1, 5, 50', `−0.50 ± ${se}`, `−0.50 ± ${se}`, `+0.50 ± ${se}`, `+0.50 ± ${se}`]);
  expect(slope('iwae-dreg 1L')?.slice(2, 3)).toEqual([`+0.25 ± ${se}`]);
  expect(slope('miwae M=5 1L')?.slice(2, 5)).toEqual([`−0.30 ± ${se}`, `−0.30 ± ${se}`, `+0.40 ± ${se}`]);
  // The legends carry each fit's slope ± standard error; every fitted line is drawn dashed beside its points.
  expect(v.encoderLegend).toEqual(
    expect.arrayContaining([
      `iwae 1L — slope −0.50 ± ${se}`,
      'fit: iwae 1L',
      `iwae-dreg 1L — slope +0.25 ± ${se}`,
      `miwae M=5 1L — slope −0.30 ± ${se}`,
      'vae 1L',
    ]),
  );
  expect(v.decoderLegend).toContain(`iwae 1L — slope +0.50 ± ${se}`);
  expect(v.encoderXs).toEqual([1, 5, 50]);
}

describe('the estimator views in Chromium', () => {
  it('the sweep page: table, slopes and log-log SNR charts, under the CSP, the trial table labelled M × K', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // Console errors include CSP refusals; failed loads are reported by URL (the browser's own favicon request aside).
      page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
      page.on(
        'response',
        (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && errors.push(`${r.status()} ${r.url()}`),
      );
      await page.goto(`${url}/sweeps/${estimatorPlan.sweepId}`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 }).catch(() => {
        throw new Error(`the sweep page never became ready; page errors: ${JSON.stringify(errors)}`);
      });
      checkViews(await estimatorViews(page));
      const ks = await page.$$eval('#trials tbody tr', (trs) => trs.map((tr) => tr.querySelectorAll('td')[4]?.textContent));
      expect(ks).toContain('M=5 × K=50');
      expect(ks).toContain('50');
      // The status filter offers every status a trial can have (an early-stopped sweep's "stopped" too).
      const statuses = await page.$$eval('#filters select[name="status"] option', (os) => os.map((o) => o.textContent));
      expect(statuses).toEqual(['any', ...TRIAL_STATUSES]);
      // The objective filter offers the sweep's objectives, and filters on them.
      const options = await page.$$eval('#filters select[name="objective"] option', (os) => os.map((o) => o.textContent));
      expect(options).toEqual(['any', 'iwae', 'iwae-dreg', 'miwae', 'vae']);
      await page.selectOption('#filters select[name="objective"]', 'miwae');
      await page.waitForFunction(
        () =>
          Array.from(document.querySelectorAll('#trials tbody tr')).every(
            (tr) => tr.querySelectorAll('td')[2]?.textContent === 'miwae',
          ),
        undefined,
        { timeout: 10_000 },
      );
      expect(await page.$$eval('#trials tbody tr', (trs) => trs.length)).toBe(6);
      // The description is text, not markup.
      expect(await page.$$eval('b', (b) => b.map((x) => x.textContent))).not.toContain('fixture');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('the trial page: the SNR after training and at every epoch that measured it', async () => {
    const t = estimatorPlan.trials.find((x) => x.config.objective === 'iwae-dreg' && x.config.k === 5 && x.config.seed === 0);
    const page = await browser.newPage();
    try {
      await page.goto(`${url}/trials/${t?.id}`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      // 1.5·5^0.25 = 2.243 (median half), decoder 0.4·5^0.5 = 0.894; epoch 1 measured half of it.
      expect(await page.textContent('dl')).toContain('encoder 2.243 / 1.122, decoder 0.894 / 0.447');
      const snr = await page.$$eval('#epochs tbody tr', (trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll('td.snr')).map((td) => td.textContent)),
      );
      expect(snr).toEqual([
        ['1.122 / 0.561', '0.447 / 0.224'],
        ['2.243 / 1.122', '0.894 / 0.447'],
      ]);
    } finally {
      await page.close();
    }
  });

  it('the report: the same table, slopes and charts', async () => {
    const { page, errors } = await openReport(browser, report);
    try {
      checkViews(await estimatorViews(page));
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
