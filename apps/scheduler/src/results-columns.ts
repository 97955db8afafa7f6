import type { ResultRow } from '@iwae-sweep/db';
import type { Column } from './format-table.ts';

/** Columns of `results`: the model, the bounds (one L_k column per extra k), units and timing. */
export function resultColumns(rows: ResultRow[], opts: { sweep?: boolean } = {}): Column<ResultRow>[] {
  const ks = [...new Set(rows.flatMap((r) => Object.keys(r.testBoundsByK)))].map(Number).sort((a, b) => a - b);
  const evalKs = [...new Set(rows.map((r) => r.evalK).filter((k): k is number => k !== null))];
  const nllHeader = evalKs.length === 1 ? `NLL(−L_${evalKs[0]})` : 'testNLL';
  return [
    ...(opts.sweep ? [{ header: 'sweep', value: (r: ResultRow) => r.sweep }] : []),
    { header: 'trial', value: (r) => r.trial },
    { header: 'status', value: (r) => r.status },
    { header: 'objective', value: (r) => r.objective },
    { header: 'layers', value: (r) => r.layers, align: 'right' },
    { header: 'K', value: (r) => r.k, align: 'right' },
    { header: 'latent', value: (r) => r.latent, align: 'right' },
    { header: 'seed', value: (r) => r.seed, align: 'right' },
    { header: 'epochs', value: (r) => `${r.epochsDone}/${r.epochs}`, align: 'right' },
    { header: nllHeader, value: (r) => r.testNll, digits: 2, align: 'right' },
    ...ks.map(
      (k): Column<ResultRow> => ({
        header: `L_${k}`,
        value: (r) => r.testBoundsByK[String(k)] ?? null,
        digits: 2,
        align: 'right',
      }),
    ),
    { header: 'train', value: (r) => r.trainBound, digits: 2, align: 'right' },
    { header: 'units', value: (r) => r.activeUnitsPerLayer?.join('+') ?? null, align: 'right' },
    { header: 'ex/s', value: (r) => r.examplesPerSecond, digits: 0, align: 'right' },
    { header: 'backend', value: (r) => r.backend },
    { header: 'error', value: (r) => (r.error ? r.error.split('\n')[0]?.slice(0, 60) : null) },
  ];
}
