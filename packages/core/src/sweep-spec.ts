import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { backendNameSchema } from './backend-name.ts';
import { type FieldProblem, SpecFileError, ValidationError } from './errors.ts';
import { prototypeKeyProblems, trialFieldProblems } from './spec-fields.ts';
import { applyOverrides } from './spec-overrides.ts';
import { stoppingSchema } from './stopping.ts';
import { isSweepId, SWEEP_ID_EXPECTED } from './trial-id.ts';
import { formatPath, zodProblems } from './zod-problems.ts';

/** A value a sweep may give a trial-config field (checked per field later, with the config). */
const fieldValue = z.union([z.number(), z.string(), z.boolean(), z.array(z.number()), z.record(z.string(), z.unknown())]);

const pair = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo <= hi, {
  message: 'a pair [low, high] with low ≤ high',
});

/** How a random search draws one field. */
export const distributionSchema = z.union([
  z.object({ choice: z.array(fieldValue).min(1) }).strict(),
  z.object({ uniform: pair }).strict(),
  z.object({ logUniform: pair.refine(([lo]) => lo > 0, { message: 'a pair with low > 0' }) }).strict(),
  z.object({ int: pair }).strict(),
]);
export type Distribution = z.infer<typeof distributionSchema>;

export const sweepSpecSchema = z
  .object({
    name: z.string().refine(isSweepId, { message: SWEEP_ID_EXPECTED }),
    description: z.string().optional(),
    /** Default compute backend for the trials of this sweep (a worker flag overrides it). */
    backend: backendNameSchema.optional(),
    /**
     * Queue priority in distributed mode: 1 is the highest. Within it, trials go longest first
     * (BullMQ priorities are band × 1000 + cost level, at most 2^21: hence at most 2000 bands).
     */
    priority: z.number().int().min(1).max(2_000).optional(),
    /** Early stopping of unpromising trials (ASHA or the median rule) on the validation bound. */
    stopping: stoppingSchema.optional(),
    /** Values every trial shares. */
    base: z.record(z.string(), fieldValue).default({}),
    /** Cartesian product: every combination of these values is a trial. */
    grid: z.record(z.string(), z.array(fieldValue).min(1)).optional(),
    /** Random search: `samples` draws of `params`, reproducible from `seed`. */
    random: z
      .object({
        samples: z.number().int().min(1).max(100_000),
        seed: z.number().int().min(0).default(0),
        params: z.record(z.string(), distributionSchema),
      })
      .strict()
      .optional(),
    /** Repeats: a count (seeds 0..n-1) or an explicit list of seeds. */
    seeds: z
      .union([
        z.number().int().min(1).max(10_000),
        z
          .array(
            z
              .number()
              .int()
              .min(0)
              .max(2 ** 31 - 1),
          )
          .min(1),
      ])
      .default(1),
  })
  .strict();

export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
export type SweepSpec = z.output<typeof sweepSpecSchema>;

/** A parsed spec plus a way to map paths in it back to source lines. */
export interface LoadedSpec {
  spec: SweepSpec;
  /** The file (or label) the spec came from, for messages. */
  source: string;
  /** 1-based line of a path such as ['grid', 'k', 2], if the spec came from YAML text. */
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
}

export interface ParseOptions {
  /** Command-line overrides such as `base.epochs=3` or `grid.k=[1,10]`, applied over the file. */
  overrides?: readonly string[];
}

/** A spec is a page of YAML; anything larger is not one (and is not read into memory). */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** YAML aliases a spec may dereference (an alias "bomb" expands exponentially). */
const MAX_ALIASES = 100;

const TOP_LEVEL_KEYS = Object.keys(sweepSpecSchema.shape);
const RANDOM_KEYS = ['samples', 'seed', 'params'];

/** Parses and validates a sweep spec from YAML text, reporting every problem found in one pass. */
export function parseSweepSpec(text: string, source = 'sweep spec', opts: ParseOptions = {}): LoadedSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const line = first?.linePos?.[0]?.line;
    const reason = (first?.message ?? 'unknown').split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    throw new SpecFileError(source, `YAML syntax error${line ? ` at line ${line}` : ''}: ${reason}`);
  }
  const overridden = applyOverrides(doc, opts.overrides ?? [], source);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    // yaml refuses alias bombs with a ReferenceError; anything else is as unreadable.
    throw new SpecFileError(source, `YAML cannot be expanded: ${(err as Error).message} (at most ${MAX_ALIASES} aliases)`, {
      cause: err,
    });
  }
  const lineOf = (path: ReadonlyArray<string | number>) =>
    overridden.some((o) => startsWith(path, o)) ? undefined : lineInDocument(doc, lineCounter, path);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError(source, [{ field: '(root)', value: raw, expected: 'a mapping with at least `name`', line: 1 }]);
  }
  const parsed = sweepSpecSchema.safeParse(raw);
  const problems = specProblems(raw as Record<string, unknown>, parsed.success ? undefined : parsed.error, lineOf);
  if (problems.length > 0 || !parsed.success) throw new ValidationError(source, problems);
  return { spec: parsed.data, source, lineOf };
}

/**
 * Reads a sweep spec file: a regular file of at most {@link MAX_SPEC_BYTES} (a FIFO, a device such
 * as /dev/zero or a directory is refused before anything is read).
 */
export function loadSweepSpec(file: string, opts: ParseOptions = {}): LoadedSpec {
  let fd: number;
  try {
    // Non-blocking, so that opening a FIFO with no writer does not hang before the check below.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new SpecFileError(file, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  let text: string;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new SpecFileError(file, `not a regular file (${kindOf(stat)}): expected a YAML file`);
    if (stat.size > MAX_SPEC_BYTES) {
      throw new SpecFileError(file, `${stat.size} bytes: expected a spec of at most ${MAX_SPEC_BYTES} bytes (1 MiB)`);
    }
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  return parseSweepSpec(text, file, opts);
}

/** Builds a LoadedSpec from an object (no source lines). */
export function sweepSpecFromObject(value: unknown, source = 'sweep spec'): LoadedSpec {
  const parsed = sweepSpecSchema.safeParse(value);
  const raw = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const problems = specProblems(raw, parsed.success ? undefined : parsed.error, () => undefined);
  if (problems.length > 0 || !parsed.success) throw new ValidationError(source, problems);
  return { spec: parsed.data, source, lineOf: () => undefined };
}

/** The spec's structure (zod), its trial fields and reserved keys, deduplicated by field. */
function specProblems(
  raw: Record<string, unknown>,
  error: z.ZodError | undefined,
  lineOf: (p: (string | number)[]) => number | undefined,
): FieldProblem[] {
  const knownKeys = (path: ReadonlyArray<PropertyKey>) =>
    path.length === 0 ? TOP_LEVEL_KEYS : path.length === 1 && path[0] === 'random' ? RANDOM_KEYS : undefined;
  const all = [
    ...prototypeKeyProblems(raw, lineOf),
    ...(error ? zodProblems(error, raw, '', lineOf, knownKeys) : []),
    ...trialFieldProblems(raw, lineOf),
  ];
  const seen = new Set<string>();
  return all.filter((p) => {
    // One problem per field: the first (most specific) one found.
    if (seen.has(p.field)) return false;
    seen.add(p.field);
    return true;
  });
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

function startsWith(path: ReadonlyArray<string | number>, prefix: ReadonlyArray<string | number>): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => p === path[i]);
}

function lineInDocument(doc: Document, lc: LineCounter, path: ReadonlyArray<string | number>): number | undefined {
  // Walk up to the deepest existing node: a missing field is reported at its parent's line.
  for (let depth = path.length; depth >= 0; depth--) {
    const parent = depth === 0 ? undefined : depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
    if (depth > 0 && isMap(parent)) {
      // A mapping entry is reported at its key's line (the value may start on the next one).
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[depth - 1]);
      if (pair && isScalar(pair.key) && pair.key.range) return lc.linePos(pair.key.range[0]).line;
    }
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

export { formatPath };
