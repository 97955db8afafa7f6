/**
 * `pnpm chaos [--seed N] [--trials N] [--workers N] [--faults N] [--minutes N] [--lock-ms N] [--train-size N] [--kinds a,b]`: a
 * real sweep on a TLS + password cluster of separate hosts while random faults are injected
 * (SIGKILL of workers, trial processes and the collector, frozen hosts, partitions, slow links,
 * Redis restarts, CLIENT KILL, failing checkpoint writes), then the invariants. Exit 1 if any
 * invariant is violated.
 */
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind, formatChaosReport, runChaos } from '../test/helpers/chaos.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    trials: { type: 'string', default: '20' },
    workers: { type: 'string', default: '3' },
    faults: { type: 'string', default: '10' },
    minutes: { type: 'string', default: '15' },
    'lock-ms': { type: 'string', default: '3000' },
    'train-size': { type: 'string', default: '400' },
    kinds: { type: 'string', default: FAULT_KINDS.join(',') },
  },
});
const int = (name: keyof typeof values, min: number): number => {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < min) {
    process.stderr.write(`error: --${name} ${values[name]}: expected an integer ≥ ${min}\n`);
    process.exit(2);
  }
  return v;
};
const kinds = (values.kinds ?? '').split(',').filter((k) => k !== '');
const unknown = kinds.find((k) => !(FAULT_KINDS as readonly string[]).includes(k));
if (unknown !== undefined || kinds.length === 0) {
  process.stderr.write(
    `error: --kinds ${values.kinds}: expected fault kinds separated by commas, of ${FAULT_KINDS.join(', ')}\n`,
  );
  process.exit(2);
}
const report = await runChaos({
  kinds: kinds as FaultKind[],
  seed: int('seed', 0),
  trials: int('trials', 1),
  workers: int('workers', 1),
  faults: int('faults', 0),
  minutes: int('minutes', 1),
  lockMs: int('lock-ms', 1000),
  trainSize: int('train-size', 100),
});
process.stdout.write(formatChaosReport(report));
process.exit(report.ok ? 0 : 1);
