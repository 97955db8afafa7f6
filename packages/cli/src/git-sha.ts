import { execFileSync } from 'node:child_process';

/** The commit the code runs from, for the record; undefined outside a git checkout. */
export function gitSha(cwd = process.cwd()): string | undefined {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}
