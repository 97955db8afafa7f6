/**
 * Typed errors shared by every package. Each carries enough context in its message to act on
 * without a stack trace: the field, the value and what was expected.
 */
export class IwaeSweepError extends Error {
  override readonly name: string = 'IwaeSweepError';
  /** Stable machine-readable code; the CLI maps some codes to exit statuses. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** One problem found in user input: where it is, what was there and what was expected. */
export interface FieldProblem {
  /** Dotted path of the field, e.g. `grid.k[2]` or `--batch-size`. */
  field: string;
  /** The offending value as the user wrote it (undefined when the field was missing). */
  value: unknown;
  /** What would have been accepted. */
  expected: string;
  /** 1-based line in the source file, when known. */
  line?: number;
}

/**
 * Longest error texts kept anywhere (job payloads, the DB, pages): a 5 MB message is an attack or
 * a bug, and its first 10,000 characters say everything useful.
 */
export const ERROR_TEXT_LIMITS = { name: 200, message: 10_000, stack: 20_000, code: 100 } as const;

/** `text` cut to at most `max` characters, saying how long it was. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const suffix = `… [${text.length} characters]`;
  return text.slice(0, Math.max(0, max - suffix.length)) + suffix;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}

export function formatProblem(p: FieldProblem): string {
  const where = p.line !== undefined ? ` (line ${p.line})` : '';
  return `${p.field}${where}: got ${describeValue(p.value)}, expected ${p.expected}`;
}

/** Invalid user input (spec file, CLI flag, trial config, job payload). */
export class ValidationError extends IwaeSweepError {
  override readonly name: string = 'ValidationError';
  readonly problems: FieldProblem[];
  readonly source: string;
  constructor(source: string, problems: FieldProblem[]) {
    // One problem is one line; several are listed one per line under the source.
    const only = problems.length === 1 ? problems[0] : undefined;
    const lines = problems.map((p) => `  - ${formatProblem(p)}`).join('\n');
    super('invalid_input', only ? `Invalid ${source}: ${formatProblem(only)}` : `Invalid ${source}:\n${lines}`);
    this.source = source;
    this.problems = problems;
  }
}

/** A sweep spec file that cannot be read or parsed at all. */
export class SpecFileError extends IwaeSweepError {
  override readonly name: string = 'SpecFileError';
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('spec_file', `${file}: ${message}`, options);
    this.file = file;
  }
}
