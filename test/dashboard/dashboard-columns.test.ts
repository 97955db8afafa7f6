import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { startCli, tempDir } from '../helpers/cli.ts';
import { dashboardUrl } from '../helpers/dashboard-url.ts';
import { writeLrSweep } from '../helpers/lr-sweep-fixture.ts';

const tmp = tempDir('dashboard-columns');
const db = tmp.file('iwae.db');
let browser: Browser;
let serve: ReturnType<typeof startCli>;
let url: string;

beforeAll(async () => {
  writeLrSweep(db);
  browser = await launchChromium();
  serve = startCli(['serve', '--db', db, '--port', '0']);
  url = await dashboardUrl(serve);
});
afterAll(async () => {
  await browser?.close();
  serve?.kill('SIGKILL');
  tmp.cleanup();
});

describe("the dashboard's trial table in Chromium", () => {
  it('shows the searched config field as a column, sorts and filters on it by the CLI names', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${url}/sweeps/lrs`);
      await page.waitForSelector('body[data-table-ready="true"]', { timeout: 15_000 }).catch(() => {
        throw new Error(`the trial table never became ready; page errors: ${JSON.stringify(errors)}`);
      });
      await page.waitForSelector('body[data-table-ready="true"]');
      const headers = await page.$$eval('#trials thead th', (ths) => ths.map((th) => th.textContent?.trim()));
      expect(headers).toEqual(expect.arrayContaining(['k', 'learningRate', 'seed', 'testNll']));
      const rates = () => page.$$eval('#trials tbody td[data-col="learningRate"]', (tds) => tds.map((td) => td.textContent));
      expect((await rates()).sort()).toEqual(['0.0003', '0.0003', '0.0003', '0.0003', '0.001', '0.001', '0.001', '0.001']);

      // Waits for the table's learning rates to satisfy `test`; a timeout says what it showed instead.
      const until = async (test: (rates: (string | null)[]) => boolean, what: string) => {
        const deadline = Date.now() + 10_000;
        while (!test(await rates())) {
          if (Date.now() > deadline) throw new Error(`${what}: the table shows learning rates ${JSON.stringify(await rates())}`);
          await page.waitForTimeout(100);
        }
      };
      await page.click('#trials th[data-sort="learningRate"]');
      await until((r) => r[0] === '0.0003' && r[7] === '0.001', 'rows sorted by learningRate');

      await page.fill('#filter-where', 'learningRate>0.0005 and objective=iwae');
      await page.press('#filter-where', 'Enter');
      await until((r) => r.length === 2, 'two rows after the filter');
      expect(await rates()).toEqual(['0.001', '0.001']);

      await page.fill('#filter-where', 'nope=1');
      await page.press('#filter-where', 'Enter');
      await page.waitForFunction(() => document.getElementById('filter-error')?.textContent !== '');
      expect(await page.textContent('#filter-error')).toMatch(/--where: got "nope", expected a column/);
      expect(await rates()).toEqual(['0.001', '0.001']);
    } finally {
      await page.close();
    }
  });
});
