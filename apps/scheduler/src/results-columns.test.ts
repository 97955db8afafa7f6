import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResultsDb } from '@iwae-sweep/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEpochs, renderResults } from './results-columns.ts';
import { estimatorPlan, writeEstimatorSweep } from './test-fixtures/estimator-sweep.ts';

let dir: string;
let db: ResultsDb;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iwae-results-columns-'));
  writeEstimatorSweep(join(dir, 'iwae.db'));
  db = ResultsDb.open(join(dir, 'iwae.db'), { readonly: true });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('results of an estimator sweep', () => {
  it('the table shows miwae’s K as M × K and the SNR columns; CSV keeps k and m as numbers', () => {
    const miwae50 = { column: 'objective', op: '=', value: 'miwae' } as const;
    const rows = db.results({ sweepId: estimatorPlan.sweepId, where: [miwae50, { column: 'k', op: '=', value: 50 }] });
    const table = renderResults('table', rows);
    expect(table).toContain('M=5 × K=50');
    expect(table).toMatch(/snrEncoderMean +snrEncoderMedian +snrDecoderMean +snrDecoderMedian/);
    const csv = renderResults('csv', rows).split('\n');
    const header = csv[0]?.split(',') ?? [];
    const first = csv[1]?.split(',') ?? [];
    expect(first[header.indexOf('k')]).toBe('50');
    expect(first[header.indexOf('m')]).toBe('5');
    // seed 0: a·K^b = 3·50^−0.3.
    expect(Number(first[header.indexOf('snrEncoderMean')])).toBeCloseTo(3 * 50 ** -0.3, 10);
  });

  it('the epochs table shows the per-epoch SNR when recorded, and leaves the columns out when not', () => {
    const epochs = db.epochResults({ sweepId: estimatorPlan.sweepId, limit: 4 });
    expect(renderEpochs('table', epochs)).toContain('snrEncoderMean');
    const without = epochs.map((e) => ({
      ...e,
      snrEncoderMean: null,
      snrEncoderMedian: null,
      snrDecoderMean: null,
      snrDecoderMedian: null,
    }));
    expect(renderEpochs('table', without)).not.toContain('snr');
    expect(renderEpochs('csv', without).split('\n')[0]).toContain('snrEncoderMean');
  });
});
