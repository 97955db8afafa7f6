import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitSha } from './git-sha.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A git checkout with one committed module, src/train.ts, and `*.db` ignored. */
function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'git-sha-'));
  dirs.push(dir);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'train.ts'), 'export const lr = 1;\n');
  writeFileSync(join(dir, '.gitignore'), '*.db\n');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  return dir;
}

describe('gitSha', () => {
  it('is the bare commit on a clean checkout, and tells edits to tracked files', () => {
    const dir = checkout();
    const clean = gitSha(dir);
    expect(clean).toMatch(/^[0-9a-f]{40}$/);
    writeFileSync(join(dir, 'src', 'train.ts'), 'export const lr = 2;\n');
    expect(gitSha(dir)).toMatch(new RegExp(`^${clean}\\+[0-9a-f]{12}$`));
  });

  it('changes with the content of an untracked code file (a new module the training code imports)', () => {
    const dir = checkout();
    const clean = gitSha(dir);
    writeFileSync(join(dir, 'src', 'loss.ts'), 'export const scale = 1;\n');
    const first = gitSha(join(dir, 'src'));
    expect(first).not.toBe(clean);
    writeFileSync(join(dir, 'src', 'loss.ts'), 'export const scale = 2;\n');
    // Asked from another directory of the checkout: the whole checkout's files count.
    const second = gitSha(dir);
    expect(second).not.toBe(first);
    expect(second).toMatch(new RegExp(`^${clean}\\+[0-9a-f]{12}$`));
  });

  it('ignores untracked specs and notes, and ignored files (a results DB in the checkout)', () => {
    const dir = checkout();
    const clean = gitSha(dir);
    writeFileSync(join(dir, 'my-sweep.yaml'), 'name: a\n');
    writeFileSync(join(dir, 'notes.md'), 'todo\n');
    writeFileSync(join(dir, 'iwae.db'), 'rows');
    expect(gitSha(dir)).toBe(clean);
  });

  it('is undefined outside a git checkout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'git-sha-none-'));
    dirs.push(dir);
    expect(gitSha(dir)).toBeUndefined();
  });
});
