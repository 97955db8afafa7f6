import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultsDb } from '@iwae-sweep/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatorPlan, fixtureSlopeSe, NLL_BASE, SNR_LAW, writeEstimatorSweep } from '../test-fixtures/estimator-sweep.ts';
import { estimatorTableHtml, snrSlopeTableHtml } from '../web/estimator-html.js';
import { renderReport } from './render-report.ts';
import { buildReportData, type ReportData } from './report-data.ts';

let dir: string;
let data: ReportData;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iwae-estimators-'));
  const file = join(dir, 'iwae.db');
  writeEstimatorSweep(file);
  const db = ResultsDb.open(file, { readonly: true });
  try {
    data = buildReportData(db, estimatorPlan.sweepId);
  } finally {
    db.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the estimator table and SNR fits, from a DB of known values', () => {
  it('has NLL mean ± sd over seeds, n and active units per estimator × K, miwae labelled M × K', () => {
    const e = data.estimators;
    expect(e.shown).toBe(true);
    expect(e.rows.map((r) => `${r.estimator} ${r.samples}`)).toEqual([
      'iwae K=5',
      'iwae K=50',
      'iwae-dreg K=1',
      'iwae-dreg K=5',
      'iwae-dreg K=50',
      'miwae M=5 M=5 × K=1',
      'miwae M=5 M=5 × K=5',
      'miwae M=5 M=5 × K=50',
      'vae K=1',
    ]);
    for (const r of e.rows) {
      expect(r.nllMean, r.series).toBeCloseTo((NLL_BASE[r.objective] as number) - r.k / 10 + 0.5, 10);
      expect(r.nllSd, r.series).toBeCloseTo(Math.SQRT1_2, 10);
      expect(r.trials).toBe(2);
      expect(r.unitsMean).toBeCloseTo(11, 10);
      expect(r.unitsSd).toBeCloseTo(Math.SQRT2, 10);
      expect(r.samplesPerPoint).toBe(r.objective === 'miwae' ? 5 * r.k : r.k);
      expect(r.snrTrials).toBe(2);
      // Mean over the two seeds of a·K^b·(1 or 1.1).
      const law = SNR_LAW[r.objective]?.encoder;
      expect(r.snr.encoderMean).toBeCloseTo(((law?.a ?? 0) * r.k ** (law?.b ?? 0) * 2.1) / 2, 10);
      expect(r.snr.encoderMedian).toBeCloseTo(((law?.a ?? 0) * r.k ** (law?.b ?? 0) * 2.1) / 4, 10);
    }
    const html = estimatorTableHtml(e);
    expect(html).toContain('<td class="num samples">M=5 × K=5</td><td class="num">25</td>');
    expect(html).toContain('<td class="num nll">93.50 ± 0.71</td><td class="num seeds">2</td>');
    expect(html).toContain('vae <span class="muted">(= iwae at K=1)</span>');
  });

  it('recovers the power laws’ slopes with the design’s standard error, IWAE’s K = 1 point from the VAE trial', () => {
    const bySeries = new Map(data.estimators.snr.map((s) => [s.series, s]));
    expect([...bySeries.keys()]).toEqual(['iwae 1L', 'iwae-dreg 1L', 'miwae M=5 1L', 'vae 1L']);
    const se = fixtureSlopeSe([1, 5, 50]);
    for (const [series, objective] of [
      ['iwae 1L', 'iwae'],
      ['iwae-dreg 1L', 'iwae-dreg'],
      ['miwae M=5 1L', 'miwae'],
    ] as const) {
      const s = bySeries.get(series);
      for (const part of ['encoder', 'decoder'] as const) {
        const law = SNR_LAW[objective]?.[part];
        expect(
          s?.[part].points.map((p) => p.k),
          series,
        ).toEqual([1, 5, 50]);
        for (const fit of [s?.[part].fit, s?.[part].fitMedian]) {
          expect(fit?.n).toBe(6);
          expect(fit?.slope, `${series} ${part}`).toBeCloseTo(law?.b ?? Number.NaN, 10);
          expect(fit?.slopeSe, `${series} ${part}`).toBeCloseTo(se, 10);
        }
        // The plotted point: the geometric mean over seeds, a·K^b·√1.1.
        const at50 = s?.[part].points.find((p) => p.k === 50);
        expect(at50?.snr).toBeCloseTo((law?.a ?? 0) * 50 ** (law?.b ?? 0) * Math.sqrt(1.1), 10);
      }
    }
    // The VAE alone has one K: no slope.
    expect(bySeries.get('vae 1L')?.encoder.fit).toBeNull();
    const slopes = snrSlopeTableHtml(data.estimators);
    expect(slopes).toContain(`<td class="num slope-encoder">−0.50 ± ${se.toFixed(2)}</td>`);
    expect(slopes).toContain(`<td class="num slope-decoder">+0.50 ± ${se.toFixed(2)}</td>`);
    expect(slopes).toContain('<td class="num slope-encoder">+0.25');
    // Trials measured, also where no slope is defined (the VAE's one K).
    expect(slopes).toMatch(/<tr data-series="vae 1L">.*<td class="num">2<\/td><\/tr>/);
    expect(slopes).toMatch(/<tr data-series="iwae 1L">.*<td class="num">6<\/td><\/tr>/);
  });

  it('puts the section in the report, escaped, with the SNR data for its charts', () => {
    const html = renderReport(data);
    expect(html).toContain('<h2>Estimators</h2>');
    expect(html).toContain('id="chart-snr-encoder"');
    expect(html).toContain('estimators &lt;b&gt;fixture&lt;/b&gt;');
    expect(html).not.toContain('<b>fixture</b>');
    expect(html).toContain('window.IwaeSnrChart');
  });

  it('escapes what it shows', () => {
    const row = data.estimators.rows[0];
    if (!row) throw new Error('no rows');
    const hostile = { ...data.estimators, rows: [{ ...row, model: '<img src=x onerror=alert(1)>', samples: '"><script>' }] };
    const html = estimatorTableHtml(hostile);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
