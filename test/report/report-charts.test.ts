import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EpochMetrics, expandSweep, sweepSpecFromObject, type TrialResult } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { openReport, writeReport } from '../helpers/report-page.ts';

// A report of 4 models × 2 seeds over 3 epochs, read in Chromium: what a user sees in its charts.
const dir = mkdtempSync(join(tmpdir(), 'iwae-report-charts-'));
const plan = expandSweep(
  sweepSpecFromObject({
    name: 'charts',
    base: { trainSize: 100, testSize: 50, epochs: 3, evalK: 100, evalKs: [1, 10], batchSize: 10, validationSize: 50 },
    grid: { k: [5, 50], objective: ['vae', 'iwae'] },
    seeds: 2,
  }),
);

function result(t: (typeof plan.trials)[number], i: number): TrialResult {
  const nll = 100 + i;
  const epochs: EpochMetrics[] = [1, 2, 3].map((e) => ({
    epoch: e,
    trainBound: -nll - 10 / e,
    trainElbo: -nll - 10 / e - 2,
    trainIwae: -nll - 10 / e,
    validationBound: -nll - 8 / e,
    seconds: 1,
    examplesPerSecond: 100,
    learningRate: 1e-3,
  }));
  return {
    testNll: nll,
    testBound: -nll,
    evalK: 100,
    testBoundsByK: { '1': -nll - 5, '10': -nll - 1 },
    testJackknife: -nll + 0.3,
    testEssMean: 30,
    testEssMedian: 25,
    trainBound: -nll - 10 / 3,
    activeUnits: 10,
    activeUnitsPerLayer: [10],
    epochs,
    examplesPerSecond: 100,
    trainSeconds: 3,
    evalSeconds: 1,
    backend: 'wasm',
    gradient: 'fast',
    seed: t.config.seed,
    resumedFromEpoch: 0,
    config: t.config,
  };
}

let browser: Browser;
const file = join(dir, 'report.html');
beforeAll(async () => {
  const db = ResultsDb.open(join(dir, 'iwae.db'));
  try {
    db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local' });
    db.addTrials(plan.sweepId, plan.trials);
    for (const [i, t] of plan.trials.entries()) db.recordResult(t.id, result(t, i));
    writeReport(db, plan.sweepId, file);
  } finally {
    db.close();
  }
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report charts in Chromium', () => {
  it('draw every figure with integer epoch ticks, blank legends off the cursor, one colour per model', async () => {
    const { page } = await openReport(browser, file);
    try {
      const seen = await page.evaluate(() => {
        const charts = Array.from(document.querySelectorAll<HTMLElement>('.chart')).filter((c) => c.querySelector('.uplot'));
        return charts.map((c) => ({
          id: c.id,
          title: c.querySelector('.u-title')?.textContent ?? '',
          values: Array.from(c.querySelectorAll('.u-legend .u-value')).map((v) => v.textContent ?? ''),
          // Series name → the colour of its legend marker.
          markers: Array.from(c.querySelectorAll('.u-legend .u-series')).map((s) => [
            s.querySelector('.u-label')?.textContent ?? '',
            getComputedStyle(s.querySelector('.u-marker') as Element).borderColor,
          ]),
        }));
      });
      expect(seen.map((c) => c.id)).toEqual([
        'chart-nll',
        'chart-bound',
        'chart-validation',
        'chart-train-lk',
        'chart-train-elbo',
      ]);
      expect(seen.find((c) => c.id === 'chart-validation')?.title).toMatch(/^validation L_100 on 50 held-out training images/);
      expect(seen.find((c) => c.id === 'chart-train-lk')?.title).toBe("train L_K (K=each trial's k) on the training batches");
      expect(seen.find((c) => c.id === 'chart-train-elbo')?.title).toBe('train ELBO (L_1 est.) on the training batches');
      // uPlot writes "--" for every series until the cursor is on a point.
      for (const c of seen)
        expect(
          c.values.filter((v) => v === '--'),
          c.id,
        ).toEqual([]);
      // The same model keeps its colour in every chart that shows it.
      const colours = new Map<string, Set<string>>();
      for (const c of seen.filter((x) => x.id !== 'chart-nll')) {
        for (const [label, colour] of c.markers.slice(1)) {
          if (!colours.has(label as string)) colours.set(label as string, new Set());
          colours.get(label as string)?.add(colour as string);
        }
      }
      expect(colours.size).toBe(4);
      for (const [label, set] of colours) expect([...set], label).toHaveLength(1);
      expect(new Set([...colours.values()].map((s) => [...s][0])).size).toBe(4);
      // Epoch axes tick at whole epochs (uPlot's default steps gave 1.25, 1.5, …).
      // (uPlot draws axes on a canvas: read the tick positions it computed.)
      const ticks = await page.evaluate(() => {
        const drawn = (window as unknown as { IwaeCharts: { drawn: Map<string, { axes: { _splits?: number[] }[] }> } }).IwaeCharts
          .drawn;
        return ['chart-validation', 'chart-train-lk', 'chart-train-elbo'].map((id) => drawn.get(id)?.axes[0]?._splits ?? []);
      });
      for (const t of ticks) {
        expect(t.length).toBeGreaterThan(1);
        for (const x of t) expect(Number.isInteger(x), String(t)).toBe(true);
      }
    } finally {
      await page.close();
    }
  });
});
