import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EpochMetrics, expandSweep, judgeAtRung, sweepSpecFromObject, type TrialResult } from '@iwae-sweep/core';
import { applyTrialEvent, ResultsDb } from '@iwae-sweep/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { REPO } from '../helpers/cli.ts';
import { openReport, writeReport } from '../helpers/report-page.ts';

const ARTIFACTS = join(REPO, 'test-results');
mkdirSync(ARTIFACTS, { recursive: true });

// An ASHA sweep (η = 3, rungs at epochs 1 and 3 of 9) of four learning rates whose trials arrive
// best first: at rung 1 the first continues alone and the three others rank below the top ⌈n/3⌉
// and stop; the first then passes rung 2 alone and finishes. Recorded through the DB as the
// runner records them, then read in Chromium as a user sees the report.
const dir = mkdtempSync(join(tmpdir(), 'iwae-report-rungs-'));
const stopping = { method: 'asha', minEpochs: 1, reductionFactor: 3 } as const;
const rates = [0.003, 0.001, 0.0003, 0.0001];
const plan = expandSweep(
  sweepSpecFromObject({
    name: 'rungs',
    stopping,
    base: { objective: 'iwae', k: 3, trainSize: 100, testSize: 50, epochs: 9, evalK: 100, batchSize: 10, validationSize: 50 },
    grid: { learningRate: rates },
  }),
);
const byRate = rates.map((lr) => plan.trials.find((t) => t.config.learningRate === lr) as (typeof plan.trials)[number]);
/** Trial i's validation bound at an epoch: trial 0 the best, each next one worse. */
const bound = (i: number, epoch: number) => -100 - 2 * i - 10 / epoch;

function epoch(i: number, e: number): EpochMetrics {
  return {
    epoch: e,
    trainBound: bound(i, e) - 1,
    trainElbo: bound(i, e) - 2,
    trainIwae: bound(i, e) - 1,
    validationBound: bound(i, e),
    seconds: 1,
    examplesPerSecond: 100,
    learningRate: rates[i] as number,
  };
}

let browser: Browser;
const file = join(dir, 'report.html');
const reasons = new Map<string, string>();
beforeAll(async () => {
  const db = ResultsDb.open(join(dir, 'iwae.db'));
  try {
    db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local' });
    db.addTrials(plan.sweepId, plan.trials);
    const event = (e: Parameters<typeof applyTrialEvent>[1]['event']) =>
      applyTrialEvent(db, { sweepId: plan.sweepId, workerId: 'local:1', attempt: 1, event: e });
    for (const [i, t] of byRate.entries()) {
      event({ type: 'started', trialId: t.id });
      for (let e = 1; e <= 9; e++) {
        const m = epoch(i, e);
        db.recordEpoch(t.id, m);
        if (e !== 1 && e !== 3) continue;
        const rung = e === 1 ? 0 : 1;
        const d = db.rungs.judgeOnce({ sweepId: plan.sweepId, trialId: t.id, epoch: e, rung, metric: bound(i, e) }, (others) =>
          judgeAtRung(stopping, { index: rung, epoch: e }, bound(i, e), others),
        );
        if (d.stop) {
          reasons.set(t.id, d.reason);
          event({ type: 'stopped', trialId: t.id, completedEpochs: e });
          break;
        }
      }
      if (i === 0) {
        const result: TrialResult = {
          testNll: 100,
          testBound: -100,
          evalK: 100,
          testBoundsByK: {},
          trainBound: bound(0, 9) - 1,
          activeUnits: 10,
          activeUnitsPerLayer: [10],
          epochs: Array.from({ length: 9 }, (_, e) => epoch(0, e + 1)),
          examplesPerSecond: 100,
          trainSeconds: 9,
          evalSeconds: 1,
          backend: 'wasm',
          gradient: 'fast',
          seed: t.config.seed,
          resumedFromEpoch: 0,
          config: t.config,
        };
        db.recordResult(t.id, result);
      }
    }
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

describe('the report of an early-stopped sweep', () => {
  it('tables every rung (recorded, promoted, stopped, cutoff) and every stopped trial with its rung, bound and reason', async () => {
    const { page } = await openReport(browser, file);
    try {
      const rungRows = await page
        .locator('#rung-table tbody tr')
        .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).map((td) => td.textContent ?? '')));
      // Rung 1: four recorded, the first promoted; a fifth arrival must be in the top ⌈5/3⌉ = 2,
      // i.e. at least the 2nd best recorded (trial 1's). Rung 2: the first alone; the next must beat it.
      expect(rungRows).toEqual([
        ['1', '1', '4', '1', '3', bound(0, 1).toFixed(2), `≥ ${bound(1, 1).toFixed(2)}`],
        ['2', '3', '1', '1', '0', bound(0, 3).toFixed(2), `≥ ${bound(0, 3).toFixed(2)}`],
      ]);
      const stopped = await page
        .locator('#stopped-table tbody tr')
        .evaluateAll((rows) =>
          rows.map((r) => [r.getAttribute('data-trial'), ...Array.from(r.querySelectorAll('td')).map((td) => td.textContent)]),
        );
      expect(stopped).toEqual(
        [1, 2, 3].map((i) => {
          const t = byRate[i] as (typeof plan.trials)[number];
          return [
            t.id,
            `iwae 1L K=3 z=50 s0 learningRate=${rates[i]}`,
            '1',
            '1',
            bound(i, 1).toFixed(2),
            reasons.get(t.id),
            'stopped',
          ];
        }),
      );
      expect(reasons.get(byRate[3]?.id as string)).toMatch(/ranks 4th of 4; stopped: the top 2 \(1\/3\) continue/);
      expect(await page.textContent('#rung-rule')).toMatch(/ASHA, η = 3: rungs at epochs 1, 3 \(of 9\)/);
    } finally {
      await page.close();
    }
  });

  it('plots each trial per epoch with the rungs marked, stopped trials grey with the reason on hover, colours as elsewhere', async () => {
    const { page } = await openReport(browser, file);
    try {
      const legend = await page.evaluate(() => {
        const entries = (id: string) =>
          Array.from(document.querySelectorAll(`#${id} .u-legend .u-series`))
            .slice(1)
            .map((s) => ({
              label: s.querySelector('.u-label')?.textContent ?? '',
              colour: getComputedStyle(s.querySelector('.u-marker') as Element).borderColor,
              title: (s as HTMLElement).title,
              trial: (s as HTMLElement).dataset.trial ?? '',
            }));
        return { rungs: entries('chart-rungs'), validation: entries('chart-validation') };
      });
      expect(legend.rungs.map((e) => e.trial).sort()).toEqual(byRate.map((t) => t.id).sort());
      for (const e of legend.rungs) {
        const i = byRate.findIndex((t) => t.id === e.trial);
        if (i === 0) {
          expect(e.label).toBe('iwae 1L K=3 z=50 s0 learningRate=0.003');
          expect(e.title).toBe('');
          // The colour of its model in the validation learning curves.
          const same = legend.validation.find((v) => v.label === 'IWAE 1L K=3 learningRate=0.003');
          expect(same?.colour).toBe(e.colour);
          expect(e.colour).not.toBe('rgb(184, 184, 184)');
        } else {
          expect(e.label).toBe(`iwae 1L K=3 z=50 s0 learningRate=${rates[i]} — stopped at rung 1 (epoch 1)`);
          expect(e.colour).toBe('rgb(184, 184, 184)');
          expect(e.title).toBe(reasons.get(e.trial));
        }
      }
      // Points: the finished trial's nine epochs, one for each stopped trial.
      const drawn = await page.evaluate(() => {
        const u = (
          window as unknown as {
            IwaeCharts: {
              drawn: Map<
                string,
                {
                  data: (number | null)[][];
                  valToPos: (v: number, s: string, c: boolean) => number;
                  ctx: CanvasRenderingContext2D;
                  bbox: { top: number; height: number };
                }
              >;
            };
          }
        ).IwaeCharts.drawn.get('chart-rungs');
        if (!u) return null;
        // The dashed rung lines (#888) down the plot at epochs 1 and 3, and none at epoch 2.
        const greyAt = (epoch: number) => {
          const x = Math.round(u.valToPos(epoch, 'x', true));
          const px = u.ctx.getImageData(x, u.bbox.top, 1, u.bbox.height).data;
          let n = 0;
          for (let i = 0; i < px.length; i += 4) {
            const [r, g, b, a] = [px[i] as number, px[i + 1] as number, px[i + 2] as number, px[i + 3] as number];
            if (a > 200 && Math.abs(r - 0x88) < 20 && Math.abs(g - r) < 4 && Math.abs(b - r) < 4) n++;
          }
          return n;
        };
        return {
          points: u.data.slice(1).map((s) => s.filter((v) => v !== null).length),
          marks: document.querySelector('#chart-rungs')?.getAttribute('data-rungs'),
          grey: [greyAt(1), greyAt(2), greyAt(3)],
        };
      });
      await page
        .locator('#rungs ~ .chart, #chart-rungs')
        .first()
        .screenshot({ path: join(ARTIFACTS, 'report-rungs.png') });
      expect(drawn?.marks).toBe('1,3');
      expect(drawn?.points.sort()).toEqual([1, 1, 1, 9]);
      const [at1, at2, at3] = drawn?.grey ?? [];
      expect(at1).toBeGreaterThan(20);
      expect(at3).toBeGreaterThan(20);
      expect(at2).toBeLessThan(5);
    } finally {
      await page.close();
    }
  });
});
