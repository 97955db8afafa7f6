/** Page load of the sweep page with N trials, in headless Chromium. argv: trials. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeTrialConfig, type PlannedTrial, trialId } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { startDashboard } from '@iwae-sweep/scheduler';
import { launchChromium } from '../test/helpers/browser.ts';
import { syntheticResult } from './synthetic-result.ts';

const n = Number(process.argv[2] ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'iwae-dash-'));
const db = ResultsDb.open(join(dir, 'iwae.db'));
db.saveSweep({ id: 'big', spec: { name: 'big' }, mode: 'local' });
const trials: PlannedTrial[] = [];
for (let i = 0; i < n; i++) {
  const config = normalizeTrialConfig({
    objective: i % 2 ? 'iwae' : 'vae',
    k: [1, 5, 50][i % 3] as number,
    latent: 10 + (i % 40),
    seed: Math.floor(i / 240),
    epochs: 5,
    evalKs: [1, 5, 50],
  });
  trials.push({ id: trialId('big', config), config, flops: 1e12 });
}
db.addTrials('big', trials);
db.sqlite.transaction(() => {
  for (const [i, t] of trials.entries()) {
    if (i % 10 === 0) continue; // some still queued
    const nll = 85 + (i % 97) / 10;
    db.recordResult(t.id, syntheticResult(t.config, nll, 5));
  }
})();
const server = await startDashboard({ db, port: 0 });
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
const measure = async (path: string, ready: string) => {
  const t0 = performance.now();
  await page.goto(`${server.url}${path}`);
  await page.waitForSelector(ready, { timeout: 60_000 });
  return (performance.now() - t0) / 1000;
};
await measure('/sweeps/big', 'body[data-ready="true"]'); // warm (server JIT, assets)
const sweepsPage = await measure('/', '#sweeps tr[data-sweep="big"]');
const sweepPage = await measure('/sweeps/big', 'body[data-ready="true"]');
const t0 = performance.now();
await page.click('th[data-sort="k"]');
await page.waitForFunction(() => document.querySelector('th[data-sort="k"]')?.classList.contains('sorted'));
const resort = (performance.now() - t0) / 1000;
await browser.close();
await server.close();
db.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ trials: n, 'sweeps page s': sweepsPage, 'sweep page s': sweepPage, 're-sort s': resort })}\n`,
);
