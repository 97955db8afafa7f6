import { writeFileSync } from 'node:fs';
import type { ResultsDb } from '@iwae-sweep/db';
import { buildReportData, renderReport } from '@iwae-sweep/scheduler';
import type { Browser, Page } from 'playwright-core';

/** Writes the HTML report of a sweep in `db` to `file`, as `iwae-sweep report` does. */
export function writeReport(db: ResultsDb, sweepId: string, file: string): void {
  writeFileSync(file, renderReport(buildReportData(db, sweepId)));
}

/**
 * A report file opened in Chromium once its charts are drawn. `errors` collects the page's
 * errors; a report whose charts never get ready says which errors it had.
 */
export async function openReport(browser: Browser, file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`);
  try {
    await page.waitForSelector('body[data-charts-ready="true"]', { timeout: 20_000 });
  } catch {
    await page.close();
    throw new Error(`the report's charts were never ready; page errors: ${JSON.stringify(errors)}`);
  }
  return { page, errors };
}
