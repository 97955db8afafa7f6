import { unknownNameExpected } from './did-you-mean.ts';
import { type FieldProblem, ValidationError } from './errors.ts';
import { Rng } from './rng.ts';
import { SETTABLE_FIELDS } from './spec-fields.ts';
import { stoppingProblems } from './stopping.ts';
import type { Distribution, LoadedSpec } from './sweep-spec.ts';
import {
  estimateTrialFlops,
  expandShorthands,
  normalizeTrialConfig,
  type TrialConfig,
  trialConfigSchema,
} from './trial-config.ts';
import { trialId } from './trial-id.ts';
import { expectedOf, formatPath } from './zod-problems.ts';

/** One trial of a sweep, ready to run. */
export interface PlannedTrial {
  id: string;
  config: TrialConfig;
  /** Estimated floating-point operations (for ordering and ETAs). */
  flops: number;
}

export interface SweepPlan {
  sweepId: string;
  spec: LoadedSpec['spec'];
  /** Unique trials, most expensive first. */
  trials: PlannedTrial[];
}

const SETTABLE = new Set(SETTABLE_FIELDS);

/** Default cap on the trials of one sweep (`--max-trials` raises it). */
export const DEFAULT_MAX_TRIALS = 100_000;

export interface ExpandOptions {
  /** Refuse a sweep of more trials than this, before expanding it. Default {@link DEFAULT_MAX_TRIALS}. */
  maxTrials?: number;
}

/**
 * How many trials a spec expands to before duplicates are merged (grid points × random samples
 * × seeds), and the factors that produce it, in the spec's own terms.
 */
export function sweepSize(spec: LoadedSpec['spec']): { trials: number; factors: string[] } {
  const factors: string[] = [];
  let trials = 1;
  for (const [field, values] of Object.entries(spec.grid ?? {})) {
    trials *= values.length;
    factors.push(`grid.${field} ${values.length}`);
  }
  if (spec.random) {
    trials *= spec.random.samples;
    factors.push(`random.samples ${spec.random.samples}`);
  }
  const seeds = typeof spec.seeds === 'number' ? spec.seeds : spec.seeds.length;
  trials *= seeds;
  factors.push(`seeds ${seeds}`);
  return { trials, factors };
}

type Path = (string | number)[];
/** A field value and the spec path it came from, so errors can point at the right line. */
type Sourced = Map<string, { value: unknown; path: Path }>;

/**
 * Expands a spec into its trials: base ⊕ each grid point ⊕ each random draw, for each seed.
 * Every trial is validated; an invalid value is reported at the spec path (and line) it came
 * from. Trials whose normalised configs coincide are kept once.
 */
export function expandSweep(loaded: LoadedSpec, opts: ExpandOptions = {}): SweepPlan {
  const { spec } = loaded;
  const problems: FieldProblem[] = [];
  const at = (path: Path): number | undefined => loaded.lineOf(path);

  // Counted before anything is built: a 10-million-point grid must be refused, not allocated.
  const maxTrials = opts.maxTrials ?? DEFAULT_MAX_TRIALS;
  const size = sweepSize(spec);
  if (size.trials > maxTrials) {
    throw new ValidationError(loaded.source, [
      {
        field: 'sweep size',
        value: size.trials,
        expected: `at most ${maxTrials} trials (${size.factors.join(' × ')}; raise the cap with --max-trials)`,
      },
    ]);
  }

  const checkField = (field: string, path: Path) => {
    if (!SETTABLE.has(field))
      problems.push({
        field: formatPath(path),
        value: field,
        expected: unknownNameExpected(field, SETTABLE_FIELDS),
        line: at(path),
      });
  };
  for (const f of Object.keys(spec.base)) checkField(f, ['base', f]);
  for (const f of Object.keys(spec.grid ?? {})) checkField(f, ['grid', f]);
  for (const f of Object.keys(spec.random?.params ?? {})) checkField(f, ['random', 'params', f]);
  if (problems.length > 0) throw new ValidationError(loaded.source, problems);

  const base: Sourced = new Map(Object.entries(spec.base).map(([f, v]) => [f, { value: v, path: ['base', f] }]));
  const gridPoints = cartesian(spec.grid ?? {});
  const draws = randomDraws(spec.random);
  const seeds = typeof spec.seeds === 'number' ? Array.from({ length: spec.seeds }, (_, i) => i) : spec.seeds;

  const trials = new Map<string, PlannedTrial>();
  const seenProblems = new Set<string>();
  for (const seed of seeds) {
    for (const point of gridPoints) {
      for (const draw of draws) {
        const fields: Sourced = new Map([...base, ...point, ...draw]);
        const config = buildConfig(fields, seed, loaded, problems, seenProblems);
        if (!config) continue;
        const id = trialId(spec.name, config);
        if (!trials.has(id)) trials.set(id, { id, config, flops: estimateTrialFlops(config) });
      }
    }
  }
  if (spec.stopping && problems.length === 0) {
    problems.push(
      ...stoppingProblems(
        spec.stopping,
        [...trials.values()].map((t) => t.config),
        loaded.lineOf,
      ),
    );
  }
  if (problems.length > 0) throw new ValidationError(loaded.source, problems);
  const ordered = [...trials.values()].sort((a, b) => b.flops - a.flops || a.id.localeCompare(b.id));
  return { sweepId: spec.name, spec, trials: ordered };
}

function buildConfig(
  fields: Sourced,
  seed: number,
  loaded: LoadedSpec,
  problems: FieldProblem[],
  seen: Set<string>,
): TrialConfig | undefined {
  const raw: Record<string, unknown> = { seed };
  const pathOf = new Map<string, Path>();
  for (const [field, { value, path }] of fields) {
    raw[field] = value;
    pathOf.set(field === 'epochs' ? 'schedule' : field, path);
  }
  const input = expandShorthands(raw) as Record<string, unknown>;
  const parsed = trialConfigSchema.safeParse(input);
  if (parsed.success) return normalizeTrialConfig(parsed.data);
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    const origin = pathOf.get(field);
    const shorthand = field === 'schedule' && fields.has('epochs');
    let problem: FieldProblem;
    if (!origin) {
      // Not set anywhere in the spec (a required field), so there is no line to point at.
      problem = { field, value: undefined, expected: `${expectedOf(issue)} (set \`${field}\` in base, grid or random.params)` };
    } else {
      // Point below the field when the issue does (evalKs[2]), except for the epochs shorthand.
      const rest = shorthand ? [] : issue.path.slice(1).filter((p): p is string | number => typeof p !== 'symbol');
      const path = [...origin, ...rest];
      let value = fields.get(shorthand ? 'epochs' : field)?.value;
      for (const part of rest) value = (value as Record<string | number, unknown> | undefined)?.[part];
      problem = {
        field: formatPath(path),
        value,
        expected: shorthand ? 'a whole number of epochs ≥ 1' : expectedOf(issue),
        line: loaded.lineOf(path),
      };
    }
    const key = `${problem.field}|${problem.expected}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return undefined;
}

function cartesian(grid: Record<string, unknown[]>): Sourced[] {
  let points: Sourced[] = [new Map()];
  for (const [field, values] of Object.entries(grid)) {
    const next: Sourced[] = [];
    for (const point of points) {
      for (const [i, value] of values.entries()) next.push(new Map([...point, [field, { value, path: ['grid', field, i] }]]));
    }
    points = next;
  }
  return points;
}

function randomDraws(random: LoadedSpec['spec']['random']): Sourced[] {
  if (!random) return [new Map()];
  const rng = Rng.fromSeed(random.seed, 'random-search');
  const draws: Sourced[] = [];
  for (let s = 0; s < random.samples; s++) {
    const draw: Sourced = new Map();
    for (const [field, dist] of Object.entries(random.params)) {
      draw.set(field, { value: drawValue(rng, dist), path: ['random', 'params', field] });
    }
    draws.push(draw);
  }
  return draws;
}

function drawValue(rng: Rng, dist: Distribution): unknown {
  if ('choice' in dist) return dist.choice[rng.nextInt(dist.choice.length)];
  if ('uniform' in dist) return dist.uniform[0] + (dist.uniform[1] - dist.uniform[0]) * rng.nextFloat();
  if ('logUniform' in dist) {
    const [lo, hi] = dist.logUniform;
    return Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rng.nextFloat());
  }
  const [lo, hi] = dist.int;
  return Math.ceil(lo) + rng.nextInt(Math.floor(hi) - Math.ceil(lo) + 1);
}
