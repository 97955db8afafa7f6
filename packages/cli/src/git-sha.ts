import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This code's own checkout: the version is that of the code that runs, wherever it is run from. */
const CODE_DIR = fileURLToPath(new URL('.', import.meta.url));

/**
 * Untracked files that can be code (what node or tsx could import). Not specs, notes or data:
 * editing a spec file in the checkout must not make its results look like another code version.
 */
const CODE_FILE = /\.(?:[cm]?[jt]s|tsx|jsx|json|node)$/;

/**
 * The commit the code runs from, for the record; undefined outside a git checkout. Uncommitted
 * changes add a digest ("<sha>+<digest>") of the diff to tracked files and of the untracked, not
 * ignored code files (a new module imported by an edited one is code too, and `git diff` does not
 * see it): trials are reused only under an equal version string, so it must change whenever the
 * training code does.
 */
export function gitSha(cwd = CODE_DIR): string | undefined {
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
  try {
    const head = git(['rev-parse', 'HEAD']).trim();
    if (!head) return undefined;
    const digest = createHash('sha256');
    let dirty = false;
    const diff = git(['diff', 'HEAD', '--no-ext-diff', '--binary']);
    if (diff) {
      digest.update(diff);
      dirty = true;
    }
    const top = git(['rev-parse', '--show-toplevel']).trim();
    const untracked = git(['ls-files', '--others', '--exclude-standard', '--full-name', '-z', ':/'])
      .split('\0')
      .filter((path) => CODE_FILE.test(path))
      .sort();
    for (const path of untracked) {
      digest.update(`\0untracked ${path}\0`).update(readFileSync(join(top, path)));
      dirty = true;
    }
    return dirty ? `${head}+${digest.digest('hex').slice(0, 12)}` : head;
  } catch {
    return undefined;
  }
}
