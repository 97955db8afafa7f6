import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, formatChaosReport, runChaos } from '../helpers/chaos.ts';

// The seeded short version of `pnpm chaos` (the long runs are in the closing notes): a real
// sweep on a TLS + password cluster of separate hosts while random faults hit it.
describe('chaos: random faults during a real sweep on separate hosts', () => {
  it('every invariant holds (seed 7: 8 trials, 2 workers, 8 faults)', async () => {
    // Trials of 3,000 images: on an idle machine 6 trials of 400 were over in ~20 s, before the 8
    // faults were all injected.
    const report = await runChaos({
      seed: 7,
      trials: 8,
      trainSize: 3000,
      workers: 2,
      faults: 8,
      minutes: 4,
      log: () => undefined,
    });
    const table = formatChaosReport(report);
    expect(report.faultsTotal, table).toBe(8);
    expect(Object.keys(report.faults)).toEqual([...FAULT_KINDS]);
    for (const inv of report.invariants) expect(inv.held, `${inv.name}: ${inv.detail}\n${table}`).toBe(true);
    expect(report.invariants.length).toBe(6);
  }, 420_000);
});
