import { resolve } from 'node:path';
import {
  addRedisFlags,
  gitSha,
  parseBackendFlag,
  parseDurationFlag,
  parseNumberFlag,
  prefixOf,
  type RedisFlags,
  redisCaFile,
  redisTls,
  requireRedisUrl,
} from '@iwae-sweep/cli';
import type { Command } from 'commander';
import { DEFAULT_STALL_TIMEOUT_MS } from './stall-watchdog.ts';
import { workerServiceEnv } from './worker-env.ts';

interface WorkerFlags extends RedisFlags {
  concurrency: string;
  gpu?: string;
  backend?: string;
  checkpoints?: string;
  lockDuration: string;
  stallTimeout: string;
  name?: string;
  hostname?: string;
}

/**
 * `--stall-timeout` in ms: 0 turns the watchdog off; anything else reads as every other duration
 * flag does (a bare number is seconds: `7200` is 2 h, not 7.2 s).
 */
export function parseStallTimeout(value: string): number {
  return value.trim() === '0' ? 0 : parseDurationFlag('--stall-timeout', value);
}

/** sysexits EX_CONFIG: a configuration error that restarting will not fix (systemd: RestartPreventExitStatus). */
export const EXIT_CONFIG = 78;

export const WORKER_DESCRIPTION =
  'pull trials from Redis and run them here (CPU or GPU); SIGTERM hands running trials back at their next epoch';

/**
 * The worker's flags and action, on `cmd`: the program of `iwae-sweep-worker`, or the
 * `iwae-sweep worker` subcommand. What runs trials is loaded only when the action runs.
 */
export function defineWorkerCommand(cmd: Command): Command {
  return addRedisFlags(
    cmd
      .option('--concurrency <n>', 'trials at once (one process each; on a GPU, several small trials share it)', '1')
      .option('--gpu <index>', "pin this worker's trials to one GPU (use with --backend tensorflow-gpu)")
      .option(
        '--backend <name>',
        "compute backend: auto, wasm, cpu, tensorflow, tensorflow-gpu (default: the sweep's, else auto)",
      )
      .option(
        '--checkpoints <dir|redis>',
        'where checkpoints go: a directory every worker shares, or "redis" (default: $IWAE_SWEEP_CHECKPOINTS or ./.iwae-sweep/checkpoints)',
      )
      .option('--lock-duration <ms>', 'job lock: a worker silent this long loses its trial to another', '30000')
      .option(
        '--stall-timeout <duration>',
        'a trial silent this long (2h, 30m; a bare number is seconds, like every duration flag) is ended and retried from its checkpoint; 0: never',
        `${DEFAULT_STALL_TIMEOUT_MS / 1000}s`,
      )
      .option('--name <id>', 'worker id shown in status and the DB (default: <hostname>:<pid>)')
      .option('--hostname <name>', "host name this worker reports (default: the machine's)"),
    true,
  ).action(async (flags: WorkerFlags) => {
    const url = requireRedisUrl(flags);
    redisTls(flags); // an unreadable CA file is a flag error, before anything starts
    const caFile = redisCaFile(flags);
    const concurrency = parseNumberFlag('--concurrency', flags.concurrency, { integer: true, min: 1 });
    const gpu = flags.gpu === undefined ? undefined : parseNumberFlag('--gpu', flags.gpu, { integer: true, min: 0 });
    const backend = flags.backend ? parseBackendFlag(flags.backend) : undefined;
    const lockDurationMs = parseNumberFlag('--lock-duration', flags.lockDuration, { integer: true, min: 1000 });
    const stallTimeoutMs = parseStallTimeout(flags.stallTimeout);
    const env = workerServiceEnv();
    const where = flags.checkpoints ?? env.IWAE_SWEEP_CHECKPOINTS;
    const checkpoints = where === 'redis' ? 'redis' : resolve(where);
    const [{ DistributedWorker }, { RedisConnectionError }, { serviceLogger }] = await Promise.all([
      import('./distributed-worker.ts'),
      import('@iwae-sweep/queue'),
      import('./service-logger.ts'),
    ]);
    const log = serviceLogger('worker', { level: env.IWAE_SWEEP_LOG_LEVEL });
    let worker: Awaited<ReturnType<typeof DistributedWorker.start>>;
    try {
      worker = await DistributedWorker.start({
        url,
        prefix: prefixOf(flags),
        ...(caFile ? { caFile: resolve(caFile) } : {}),
        workerId: flags.name,
        host: flags.hostname,
        concurrency,
        backend,
        gpu,
        checkpoints,
        gitSha: gitSha(),
        lockDurationMs,
        stallTimeoutMs,
        stalledIntervalMs: Math.max(1000, Math.floor(lockDurationMs)),
        log,
      });
    } catch (err) {
      if (err instanceof RedisConnectionError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exit(EXIT_CONFIG);
      }
      throw err;
    }
    await new Promise<void>((done) => {
      let signals = 0;
      const stop = (sig: string) => {
        if (++signals > 1) process.exit(1);
        log.info(`${sig}: stopping; running trials go back to the queue at their next epoch`);
        void worker.stop().then(done);
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      // Said once a signal stops it cleanly (tests wait for this line before they send one).
      log.info(
        `worker ${worker.id} on ${worker.info.host}: waiting for trials (concurrency ${concurrency}, checkpoints in ${checkpoints})`,
      );
    });
  });
}
