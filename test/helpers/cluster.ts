import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { alive, CLI, type CliResult, REPO, runCli, tempDir, trialProcessesOf, WORKER_CLI, waitFor } from './cli.ts';
import { LinkProxy } from './link-proxy.ts';
import { OwnRedis } from './redis-server.ts';
import { uniquePrefix } from './sweep-fixture.ts';

export interface ClusterOptions {
  label: string;
  /** The sweep spec (YAML) written to the scheduler's directory. */
  spec: string;
  workers: number;
  /** Trials at once per worker. */
  concurrency?: number;
  /** Job lock of every worker: how long a silent worker keeps its trial. */
  lockMs?: number;
  /** Workers' --stall-timeout: a trial silent this long is ended and retried (default: the CLI's). */
  stallMs?: number;
}

/**
 * A process of the cluster in its own process group (a "host": the worker and its trial
 * processes), with its link to Redis when it has one of its own.
 */
export class HostProcess<P extends LinkProxy | undefined = LinkProxy> {
  proc: (ChildProcess & { output: Promise<CliResult> }) | undefined;
  log = '';
  /** Every process group this host has had (one per start): a killed host's group may hold orphans. */
  readonly groups: number[] = [];

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly proxy: P,
    private readonly argv: () => string[],
    private readonly env: () => Record<string, string>,
    /** The program this host runs: the scheduler's CLI, or the worker's own (as a worker machine does). */
    private readonly bin = CLI,
  ) {}

  start(): this {
    if (this.running) throw new Error(`${this.name} is already running`);
    const child = spawn(process.execPath, [this.bin, ...this.argv()], {
      cwd: this.dir,
      env: { ...process.env, ...this.env() },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: freezing or killing "the host" reaches its trial processes
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      this.log += d.toString();
    });
    const output = new Promise<CliResult>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
    );
    this.proc = Object.assign(child, { output });
    if (child.pid) this.groups.push(child.pid);
    return this;
  }

  get pid(): number {
    if (!this.proc?.pid) throw new Error(`${this.name} has not started`);
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Every process of this host (the CLI and its children, e.g. trial processes). */
  groupPids(): number[] {
    const group = this.proc?.pid;
    if (!group) return [];
    return execFileSync('ps', ['-eo', 'pid=,pgid='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number))
      .filter(([pid, pgid]) => pgid === group && (pid ?? 0) > 0)
      .map(([pid]) => pid as number);
  }

  /** Trial processes (children of the CLI process). */
  childPids(): number[] {
    return this.proc?.pid ? trialProcessesOf(this.proc.pid) : [];
  }

  /** Signals the whole host (process group). */
  signalHost(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGKILL of the host's main process only (its trial processes notice and exit). */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    p.kill('SIGKILL');
    await p.output;
  }

  /** Everything of this host killed, and waited for. */
  async destroy(): Promise<void> {
    const pids = this.groupPids();
    this.signalHost('SIGCONT');
    this.signalHost('SIGKILL');
    await this.proc?.output;
    await waitFor(
      () => pids.every((p) => !alive(p)),
      10_000,
      `${this.name}'s processes to exit`,
      50,
      () => pids.filter(alive),
    );
  }
}

/**
 * A deployment on one machine that behaves like several: Redis with a password and TLS only
 * (a CA made here), a collector, and N workers, each a "host" with its own working directory,
 * worker id and host name, no shared checkpoint directory (`--checkpoints redis`) and its own
 * network link to Redis (a proxy the test can cut, partition or slow). Launch and queries go
 * straight to Redis, as from the scheduler's machine.
 */
export class Cluster {
  readonly workers: HostProcess[] = [];
  readonly prefix: string;
  readonly db: string;
  readonly spec: string;
  collector!: HostProcess;
  private readonly tmp;

  private constructor(
    readonly redis: OwnRedis,
    private readonly opts: ClusterOptions,
  ) {
    this.tmp = tempDir(`cluster-${opts.label}`);
    this.prefix = uniquePrefix(opts.label);
    this.db = join(this.tmp.dir, 'scheduler', 'iwae.db');
    mkdirSync(join(this.tmp.dir, 'scheduler'));
    this.spec = this.tmp.file(join('scheduler', `${opts.label}.yaml`), opts.spec);
  }

  static async start(opts: ClusterOptions): Promise<Cluster> {
    const redis = await OwnRedis.start({ tls: true, aof: true, password: `pw-${uniquePrefix('x')}` });
    const c = new Cluster(redis, opts);
    try {
      c.collector = new HostProcess(
        'collector',
        join(c.tmp.dir, 'scheduler'),
        await LinkProxy.start(redis.port),
        () => ['serve', '--db', c.db, '--no-dashboard'],
        () => c.envVia(c.collector.proxy),
      );
      for (let i = 0; i < opts.workers; i++) c.workers.push(await c.makeWorker(`host-${i + 1}`));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  private async makeWorker(name: string): Promise<HostProcess> {
    const dir = join(this.tmp.dir, name);
    mkdirSync(dir);
    const proxy = await LinkProxy.start(this.redis.port);
    const args = [
      '--checkpoints',
      'redis',
      '--name',
      name,
      '--hostname',
      name,
      '--concurrency',
      String(this.opts.concurrency ?? 1),
      '--lock-duration',
      String(this.opts.lockMs ?? 4000),
      ...(this.opts.stallMs === undefined ? [] : ['--stall-timeout', `${this.opts.stallMs}ms`]),
    ];
    return new HostProcess(
      name,
      dir,
      proxy,
      () => args,
      () => this.envVia(proxy),
      WORKER_CLI,
    );
  }

  /** The environment of a process whose link to Redis goes through `proxy`. */
  envVia(proxy?: LinkProxy): Record<string, string> {
    return {
      IWAE_SWEEP_REDIS_URL: this.redis.urlVia(proxy ? proxy.port : this.redis.port),
      IWAE_SWEEP_REDIS_CA: this.redis.tlsFiles?.ca as string,
      IWAE_SWEEP_PREFIX: this.prefix,
    };
  }

  /** Runs a CLI command from the scheduler's machine (direct link to Redis). */
  cli(args: string[]): Promise<CliResult> {
    return runCli(args, { cwd: join(this.tmp.dir, 'scheduler'), env: this.envVia() });
  }

  /** An admin connection straight to Redis (CLIENT KILL, key checks, ACLs). */
  admin(): Redis {
    const r = new Redis({ ...this.redis.clientOptions(), ...(this.adminUser ? { username: 'admin' } : {}) });
    r.on('error', () => undefined);
    return r;
  }

  private adminUser = false;

  /**
   * Makes every checkpoint write fail (the deployment's user may read checkpoints but no longer
   * write them, as after a permissions mistake), or allows them again. Everything else works.
   */
  async setCheckpointWrites(allowed: boolean): Promise<void> {
    const r = this.admin();
    try {
      if (!this.adminUser) {
        const pw = this.redis.clientOptions().password as string;
        await r.call('ACL', 'SETUSER', 'admin', 'on', `>${pw}`, '~*', '&*', '+@all');
        this.adminUser = true;
      }
      const p = this.prefix;
      const keys = allowed ? ['~*'] : [`~${p}:trials:*`, `~${p}:results:*`, `~${p}:control*`, `~${p}:worker*`, `%R~${p}:ckpt:*`];
      await r.call('ACL', 'SETUSER', 'default', 'resetkeys', ...keys);
    } finally {
      r.disconnect();
    }
  }

  /** Redis killed (SIGKILL) and started again on its AOF; ACL changes made at run time are gone. */
  async restartRedis(): Promise<void> {
    await this.redis.restart();
    this.adminUser = false;
  }

  /** Closes every client connection Redis has (CLIENT KILL of each, as an operator might). */
  async killAllClients(): Promise<number> {
    const r = this.admin();
    try {
      // Our own connection survives SKIPME; every worker's, trial process's and collector's goes.
      return (
        Number(await r.client('KILL', 'SKIPME', 'yes', 'TYPE', 'normal')) +
        Number(await r.client('KILL', 'SKIPME', 'yes', 'TYPE', 'pubsub'))
      );
    } finally {
      r.disconnect();
    }
  }

  /** Keys under the cluster's prefix. */
  async keys(): Promise<string[]> {
    const r = this.admin();
    try {
      return await r.keys(`${this.prefix}:*`);
    } finally {
      r.disconnect();
    }
  }

  /** Every process still alive that the cluster started (should be none after stop). */
  leftovers(): number[] {
    return [...this.workers, this.collector].filter(Boolean).flatMap((h) => (h.proc?.pid ? h.groupPids() : []));
  }

  async stop(): Promise<void> {
    for (const h of [...this.workers, this.collector]) {
      if (!h) continue;
      await h.destroy().catch(() => undefined);
      await h.proxy.close();
    }
    await this.redis.stop();
    this.tmp.cleanup();
  }
}

export { REPO };

/**
 * Polls an async `check` until it returns a truthy value; on timeout, fails with what it last
 * saw (`state`) — never passes on a failed read (a throwing check is retried, then reported).
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  state?: () => unknown,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = state ? `; last seen: ${JSON.stringify(state())}` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${seen}${lastError ? `; last error: ${lastError}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
