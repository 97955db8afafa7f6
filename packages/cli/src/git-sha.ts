import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** This code's own checkout: the version is that of the code that runs, wherever it is run from. */
const CODE_DIR = fileURLToPath(new URL('.', import.meta.url));

/**
 * The commit the code runs from, for the record; undefined outside a git checkout. Uncommitted
 * changes to tracked files add a digest of their diff ("<sha>+<digest>"): trials are reused only
 * under an equal version string, and a bare commit would hide edits to the training code.
 */
export function gitSha(cwd = CODE_DIR): string | undefined {
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
  try {
    const head = git(['rev-parse', 'HEAD']).trim();
    if (!head) return undefined;
    const diff = git(['diff', 'HEAD', '--no-ext-diff', '--binary']);
    return diff ? `${head}+${createHash('sha256').update(diff).digest('hex').slice(0, 12)}` : head;
  } catch {
    return undefined;
  }
}
