import { readFileSync, statSync } from 'node:fs';
import { type FieldProblem, ValidationError } from '@iwae-sweep/core';

/** The one rule for the dashboard's token, whether it comes from a flag, a file or the environment. */
export const TOKEN_MIN_LENGTH = 16;
export const TOKEN_EXPECTED = `a token of at least ${TOKEN_MIN_LENGTH} characters, printable ASCII without spaces`;
const TOKEN_SYNTAX = /^[\x21-\x7e]+$/;
/** A token file is one line; anything larger is not a token file. */
const MAX_TOKEN_FILE_BYTES = 4096;

/** What an error may say about a secret: its length, never its characters. */
function hidden(secret: string): string {
  return `(hidden, ${secret.length} characters)`;
}

function problem(field: string, value: unknown, expected: string): ValidationError {
  const p: FieldProblem = { field, value, expected };
  return new ValidationError('command-line flags', [p]);
}

function checked(field: string, token: string): string {
  if (token.length < TOKEN_MIN_LENGTH || !TOKEN_SYNTAX.test(token)) throw problem(field, hidden(token), TOKEN_EXPECTED);
  return token;
}

/**
 * The dashboard's token from `--token`, `--token-file` (kept out of `ps`) or IWAE_SWEEP_TOKEN,
 * in that order; undefined if none. Each source passes the same rule, and no error repeats it.
 */
export function resolveToken(sources: {
  flag?: string | undefined;
  file?: string | undefined;
  env?: string | undefined;
}): string | undefined {
  if (sources.flag !== undefined && sources.file !== undefined) {
    throw problem('--token-file', sources.file, 'either --token or --token-file, not both');
  }
  if (sources.flag !== undefined) return checked('--token', sources.flag);
  if (sources.file !== undefined) return checked('--token-file', readTokenFile(sources.file));
  if (sources.env !== undefined) return checked('IWAE_SWEEP_TOKEN', sources.env);
  return undefined;
}

function readTokenFile(file: string): string {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw problem('--token-file', file, 'a regular file holding the token');
    size = st.size;
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw problem('--token-file', file, `a readable file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (size > MAX_TOKEN_FILE_BYTES) throw problem('--token-file', file, `a file of one line (this one has ${size} bytes)`);
  // One line; the trailing newline editors add is not part of the token.
  return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}
