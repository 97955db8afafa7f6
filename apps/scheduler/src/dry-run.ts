import type { SweepPlan } from '@iwae-sweep/core';
import { configValues, varyingColumns } from '@iwae-sweep/db';
import { renderTable } from './format-table.ts';
import { describeChange, type SpecChange } from './spec-change.ts';

const fmtFlops = (f: number) =>
  f >= 1e15 ? `${(f / 1e15).toFixed(2)} PFLOP` : f >= 1e12 ? `${(f / 1e12).toFixed(2)} TFLOP` : `${(f / 1e9).toFixed(1)} GFLOP`;

/** `run/launch --dry-run`: the trials a run would add, with their estimated cost; nothing is written. */
export function dryRunText(plan: SweepPlan, change: SpecChange): string {
  const shown = [
    'objective',
    'k',
    'layers',
    'latent',
    ...varyingColumns(
      plan.trials.map((t) => t.config),
      ['objective', 'k', 'layers', 'latent', 'seed'],
    ),
    'seed',
  ];
  const rows = change.added.map((t) => ({ id: t.id, flops: t.flops, values: configValues(t.config) }));
  const table = renderTable(rows, [
    { header: 'trial', value: (r) => r.id },
    ...shown.map((name) => ({
      header: name,
      value: (r: (typeof rows)[number]) => {
        const v = r.values[name] ?? null;
        return Array.isArray(v) ? v.join(' ') : v;
      },
      align: 'right' as const,
    })),
    { header: 'estimate', value: (r) => fmtFlops(r.flops), align: 'right' },
  ]);
  const total = change.added.reduce((a, t) => a + t.flops, 0);
  const head = change.existing
    ? `sweep ${plan.sweepId} exists: ${plan.trials.length} trials in the spec\n${describeChange(change)}\n`
    : `sweep ${plan.sweepId} is new: ${plan.trials.length} trials\n`;
  return `${head}${change.added.length > 0 ? table : ''}would add ${change.added.length} trials, estimated ${fmtFlops(total)} in all (dry run: nothing written)\n`;
}
