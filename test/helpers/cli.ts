import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO, 'apps', 'scheduler', 'bin', 'iwae-sweep.mjs');
/** What a worker machine runs. */
export const WORKER_CLI = join(REPO, 'apps', 'worker', 'bin', 'iwae-sweep-worker.mjs');

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The bin to run (default: the scheduler's CLI). */
  bin?: string;
  /** Options for node itself, before the bin (e.g. `--import`). */
  nodeArgs?: string[];
}

/** The environment variable that marks a CLI process and everything it starts (see `killTree`). */
const TAG_VAR = 'IWAE_TEST_PROCESS_TAG';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export type CliProcess = ChildProcess & {
  output: Promise<CliResult>;
  /** Marks this process and its descendants for `killTree`. */
  tag: string;
  /** What it has written so far. */
  seen(): { stdout: string; stderr: string };
};

/** Starts the real CLI as a child process (the way a user runs it). */
export function startCli(args: string[], opts: StartOptions = {}): CliProcess {
  const tag = randomBytes(6).toString('hex');
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.bin ?? CLI, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, ...opts.env, [TAG_VAR]: tag },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const output = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return Object.assign(child, { output, tag, seen: () => ({ stdout, stderr }) });
}

export function runCli(args: string[], opts: StartOptions = {}): Promise<CliResult> {
  return startCli(args, opts).output;
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void; file: (name: string, text?: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), `iwae-${prefix}-`));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    file: (name, text) => {
      const path = join(dir, name);
      if (text !== undefined) writeFileSync(path, text);
      return path;
    },
  };
}

/**
 * Polls `check` until it returns a truthy value or `timeoutMs` passes. A check that throws (a DB
 * file not created yet, a Redis read that failed) counts as "not yet", never as a pass. On timeout
 * the error names what it last saw: `state()` if given, else the check's last value, and the last
 * error the check threw.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
  state?: () => unknown,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      let seen: unknown = last;
      if (state) {
        try {
          seen = state();
        } catch (err) {
          seen = `(state unreadable: ${(err as Error).message})`;
        }
      }
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(seen)}${
          lastError ? `; last error: ${(lastError as Error).message ?? String(lastError)}` : ''
        }`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Processes whose environment carries `tag` (children inherit it, orphans keep it). */
function taggedProcesses(tag: string): number[] {
  const needle = `${TAG_VAR}=${tag}\0`;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle)) pids.push(pid);
    } catch {
      // Exited meanwhile, or not ours to read.
    }
  }
  return pids;
}

/** Whether a process still runs (a zombie, dead but not yet reaped, does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Kills a CLI process and everything it started, orphans included: trial processes of a worker
 * or a local runner (some in their own process group, some re-parented after their parent was
 * killed) must not outlive a test and keep writing keys or files. Resolves once all are gone.
 */
export async function killTree(p: { tag: string }, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const signalAll = (): number[] => {
    const pids = taggedProcesses(p.tag).filter(running);
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // Gone already.
      }
    }
    return pids;
  };
  if (signal !== 'SIGKILL') {
    signalAll();
    return;
  }
  // Scanned and killed again until a scan finds none: a process forked after a scan (a worker
  // replacing a dead trial process, a runner starting its next child) was not in it, and would
  // outlive its killed parent, writing keys and files after the test's cleanup.
  await waitFor(
    () => signalAll().length === 0,
    10_000,
    'killed processes to exit',
    20,
    () => taggedProcesses(p.tag).filter(running),
  );
}

/** The direct children of a process (a worker's sandboxed trial processes). */
export function childrenOf(pid: number): number[] {
  return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
}

/** The entries of trial processes: the worker's (trial-process-main) and the local runner's (trial-child-main). */
const TRIAL_ENTRY = /\btrial-(?:process|child)-main\.[jt]s\b/;

/**
 * A worker's or runner's trial processes, once they run their own entry. Not tsx's esbuild service
 * beside them (freezing or killing it leaves the trial untouched), nor a child forked a moment ago
 * that has not yet become the new program: until its exec it still shows its parent's name and
 * command line, so a test that took it for a trial process would signal something else.
 */
export function trialProcessesOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-ww', '-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null && TRIAL_ENTRY.test(m[2] ?? ''))
      .map((m) => Number(m[1]));
  } catch {
    return []; // ps exits 1 when there is none
  }
}

/**
 * Runs `fn` while `pids` are frozen (SIGSTOP), then thaws them: a trial process cannot get ahead
 * of a CLI that starts up meanwhile, whatever the machine's load.
 */
export async function whileFrozen<T>(pids: number[], fn: () => Promise<T>): Promise<T> {
  if (pids.length === 0) throw new Error('nothing to freeze');
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  try {
    return await fn();
  } finally {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Killed meanwhile.
      }
    }
  }
}

/** Whether a process runs: it exists and is not a zombie (dead, waiting to be reaped). */
export function alive(pid: number): boolean {
  return running(pid);
}

/**
 * Waits until `pick` finds what a test needs, freezes `pidsOf(found)` (SIGSTOP), and picks again
 * under the freeze: what the first read found can change before the freeze lands (a short trial
 * that ends meanwhile). Resolves with what the second read found, the processes still frozen;
 * `thaw` resumes them. Freezing the DB's only writer makes that read the state the test acts on.
 */
export async function freezeWhen<T>(
  pick: () => T | undefined,
  pidsOf: (found: T) => number[],
  timeoutMs: number,
  what: string,
  state?: () => unknown,
): Promise<{ found: T; thaw: () => void }> {
  const resume = (pids: number[]) => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone already.
      }
    }
  };
  return waitFor(
    () => {
      const first = pick();
      if (first === undefined) return undefined;
      const stopped: number[] = [];
      try {
        for (const pid of pidsOf(first)) {
          process.kill(pid, 'SIGSTOP');
          stopped.push(pid);
        }
        const found = pick();
        if (found !== undefined) return { found, thaw: () => resume(stopped) };
      } catch {
        // A process ended before the freeze, or the read failed: look again.
      }
      resume(stopped);
      return undefined;
    },
    timeoutMs,
    what,
    50,
    state,
  );
}
