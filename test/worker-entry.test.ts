import { existsSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { EXIT_CONFIG } from '../apps/worker/src/worker-command.ts';
import { EXIT } from '../packages/cli/src/exit-codes.ts';
import { cleanupAfterEach } from './helpers/cleanups.ts';
import { CLI, killTree, REPO, runCli, startCli, tempDir, WORKER_CLI, waitFor } from './helpers/cli.ts';
import { SHARED_REDIS } from './helpers/deployment.ts';
import { deletePrefix, uniquePrefix } from './helpers/sweep-fixture.ts';

// A worker machine runs `iwae-sweep-worker`: its module graph, as the process really loads it
// (test/fixtures/module-probe.mjs records every module), holds no results DB and no SQLite.
const PROBE = ['--import', new URL('./fixtures/module-probe.mjs', import.meta.url).href];
const DB_MODULES = /\/packages\/db\/|\/@iwae-sweep\/db\/|better-sqlite3|better_sqlite3|drizzle-orm/;

const onCleanup = cleanupAfterEach();

function probeLog(label: string): { file: string; modules: () => string[] } {
  const tmp = tempDir(label);
  onCleanup(tmp.cleanup);
  const file = tmp.file('modules.log');
  return {
    file,
    modules: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []),
  };
}

describe('the worker entry', () => {
  it('runs a worker that loads itself and the queue but never the results DB or SQLite', async () => {
    const prefix = uniquePrefix('worker-entry');
    const log = probeLog('worker-entry');
    const ckpt = tempDir('worker-entry-ckpt');
    onCleanup(ckpt.cleanup);
    onCleanup(() => deletePrefix(SHARED_REDIS, prefix));
    const worker = startCli(['--redis', SHARED_REDIS, '--prefix', prefix, '--checkpoints', ckpt.dir], {
      bin: WORKER_CLI,
      nodeArgs: PROBE,
      env: { IWAE_TEST_MODULE_LOG: log.file },
    });
    onCleanup(() => killTree(worker));
    await waitFor(
      () => /waiting for trials/.test(worker.seen().stderr + worker.seen().stdout),
      120_000, // a loaded machine: tsx compiles the worker's graph first
      'the worker to wait for trials',
      100,
      () => worker.seen(),
    );
    worker.kill('SIGTERM');
    const { code, stderr } = await worker.output;
    expect(code, stderr).toBe(0);
    const modules = log.modules();
    // The log is the real graph: the worker's own modules and BullMQ are in it…
    expect(modules.some((m) => m.includes('/apps/worker/src/distributed-worker.ts'))).toBe(true);
    expect(modules.some((m) => m.includes('/bullmq/'))).toBe(true);
    // …and nothing of the DB.
    expect(modules.filter((m) => DB_MODULES.test(m))).toEqual([]);
  });

  // Its trial processes read IWAE_SWEEP_* variables of the worker's environment: a bad one must
  // stop the worker at start, not fail every trial it takes.
  it('refuses a bad trial-process variable at start: one line, exit 2, Redis untouched', async () => {
    const prefix = uniquePrefix('worker-env');
    onCleanup(() => deletePrefix(SHARED_REDIS, prefix));
    const ckpt = tempDir('worker-env-ckpt');
    onCleanup(ckpt.cleanup);
    const { code, stderr, stdout } = await runCli(['--redis', SHARED_REDIS, '--prefix', prefix, '--checkpoints', ckpt.dir], {
      bin: WORKER_CLI,
      env: { IWAE_SWEEP_COMMAND_TIMEOUT_MS: '30s' },
    });
    expect(code, stderr + stdout).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/IWAE_SWEEP_COMMAND_TIMEOUT_MS: got "30s", expected/)]);
    expect(stdout).toBe('');
    const redis = new Redis(SHARED_REDIS);
    onCleanup(async () => {
      await redis.quit();
    });
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    expect(keys).toEqual([]);
  });

  // A bad flag or variable exits 2, a wrong Redis password 78: restarting fixes neither, so the
  // systemd unit must not restart on them (Restart=on-failure would loop every RestartSec).
  it('the systemd unit does not restart the worker on a configuration error', () => {
    const unit = readFileSync(new URL('../infra/systemd/iwae-sweep-worker@.service', import.meta.url), 'utf8');
    const codes = /^RestartPreventExitStatus=(.*)$/m.exec(unit)?.[1]?.split(/\s+/).map(Number);
    expect(codes).toEqual(expect.arrayContaining([EXIT.usage, EXIT_CONFIG]));
  });

  it('the probe sees the DB where it is loaded: the scheduler CLI loads it and SQLite', async () => {
    const log = probeLog('scheduler-entry');
    const { code, stderr } = await runCli(['--version'], {
      bin: CLI,
      cwd: REPO,
      nodeArgs: PROBE,
      env: { IWAE_TEST_MODULE_LOG: log.file },
    });
    expect(code, stderr).toBe(0);
    const found = log.modules().filter((m) => DB_MODULES.test(m));
    expect(found.some((m) => m.includes('/packages/db/src/'))).toBe(true);
    expect(found.some((m) => /better[-_]sqlite3/.test(m))).toBe(true);
  });
});
