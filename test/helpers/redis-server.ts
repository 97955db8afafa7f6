import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { makeServerCertificates, type TlsFiles } from './tls-certs.ts';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** redis-server could not bind its port: another process took it first. */
class PortTaken extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is taken`);
  }
}

export interface OwnRedisOptions {
  /** Append-only file with fsync on every write: nothing acknowledged is lost on a crash. */
  aof?: boolean;
  password?: string;
  /** TLS only (no plaintext port), with a CA and server certificate made for this server. */
  tls?: boolean;
  /** A replica of the server on this port (its password, if any, is this one's too). */
  replicaOf?: number;
  /**
   * The user replication runs as (a primary defines it; a replica logs in with it), instead of
   * the default user: disabling it cuts replication and nothing else.
   */
  replicationUser?: { name: string; password: string };
  /**
   * A Sentinel (no data) watching the primary on `primaryPort` under `name`; the primary is
   * deemed down after `downAfterMs` (default 1000) without an answer.
   */
  sentinel?: { name: string; primaryPort: number; primaryPassword?: string; quorum: number; downAfterMs?: number };
}

/**
 * A redis-server of the test's own, on a free port with a temporary directory, for tests that
 * restart or kill Redis (never the shared one on 6379).
 */
export class OwnRedis {
  private proc: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'iwae-redis-'));
  /** The certificates, when TLS: `tlsFiles.ca` is what clients pass as --redis-ca. */
  readonly tlsFiles: TlsFiles | undefined;
  private portNumber = 0;

  private constructor(private readonly opts: OwnRedisOptions) {
    this.tlsFiles = opts.tls ? makeServerCertificates(this.dir) : undefined;
  }

  /**
   * Starts on a free port. A port found free can be taken before redis-server binds it (another
   * test file starting its own server at the same moment): then redis-server exits with
   * "Address already in use", and it is started again on another port.
   */
  static async start(opts: OwnRedisOptions = {}, pickPort: () => Promise<number> = freePort): Promise<OwnRedis> {
    const r = new OwnRedis(opts);
    for (let attempt = 1; ; attempt++) {
      r.portNumber = await pickPort();
      try {
        await r.launch();
        return r;
      } catch (err) {
        if (!(err instanceof PortTaken) || attempt >= 10) {
          rmSync(r.dir, { recursive: true, force: true });
          throw err;
        }
      }
    }
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return this.urlVia(this.port);
  }

  /** The URL of this server reached on another port (a proxy in front of it). */
  urlVia(port: number): string {
    const scheme = this.tlsFiles ? 'rediss' : 'redis';
    return `${scheme}://${this.opts.password ? `:${this.opts.password}@` : ''}127.0.0.1:${port}`;
  }

  /** ioredis options for a direct (admin) client of this server. */
  clientOptions(): RedisOptions {
    return {
      port: this.port,
      host: '127.0.0.1',
      ...(this.opts.password ? { password: this.opts.password } : {}),
      ...(this.tlsFiles ? { tls: { ca: readFileSync(this.tlsFiles.ca) } } : {}),
    };
  }

  private args(): string[] {
    const sentinel = this.opts.sentinel;
    if (sentinel) {
      // Sentinel takes its settings from a file it may rewrite (what it learns of failovers).
      const conf = join(this.dir, 'sentinel.conf');
      const lines = [
        `port ${this.port}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${sentinel.name} 127.0.0.1 ${sentinel.primaryPort} ${sentinel.quorum}`,
        `sentinel down-after-milliseconds ${sentinel.name} ${sentinel.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${sentinel.name} 5000`,
        ...(sentinel.primaryPassword ? [`sentinel auth-pass ${sentinel.name} ${sentinel.primaryPassword}`] : []),
      ];
      writeFileSync(conf, `${lines.join('\n')}\n`);
      return [conf, '--sentinel'];
    }
    const t = this.tlsFiles;
    const listen = t
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', t.cert, '--tls-key-file', t.key]
      : ['--port', String(this.port)];
    const args = [
      ...listen,
      ...(t ? ['--tls-ca-cert-file', t.ca, '--tls-auth-clients', 'no'] : []),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
    ];
    if (this.opts.aof) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    const repl = this.opts.replicationUser;
    if (this.opts.password) args.push('--requirepass', this.opts.password);
    if (repl) {
      // What replication needs and no more (Redis's documented minimum for a replication user).
      args.push('--user', repl.name, 'on', `>${repl.password}`, '+psync', '+replconf', '+ping');
      args.push('--masteruser', repl.name, '--masterauth', repl.password);
      // Sync a replica at once (Redis waits 5 s by default for more replicas to share the sync).
      args.push('--repl-diskless-sync-delay', '0');
    } else if (this.opts.password) args.push('--masterauth', this.opts.password);
    if (this.opts.replicaOf) args.push('--replicaof', '127.0.0.1', String(this.opts.replicaOf));
    return args;
  }

  /**
   * Starts redis-server and waits until it answers. It must be this process that answers: on a
   * port another test's server took first, that server would (its process_id tells them apart).
   */
  private async launch(): Promise<void> {
    const proc = spawn('redis-server', this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    let output = '';
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        if (/address already in use/i.test(output)) throw new PortTaken(this.port);
        throw new Error(`redis-server on port ${this.port} exited (${proc.exitCode ?? proc.signalCode}): ${output.slice(-500)}`);
      }
      const client = new Redis({ ...this.clientOptions(), lazyConnect: true, retryStrategy: () => null });
      client.on('error', () => undefined);
      let timer: NodeJS.Timeout | undefined;
      try {
        // Bounded: whatever holds the port may accept and never answer.
        const info = await Promise.race([
          client.connect().then(() => client.info('server')),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('no answer')), 1000);
          }),
        ]);
        if (new RegExp(`^process_id:${proc.pid}\\r?$`, 'm').test(info)) return;
      } catch {
        // not up yet, or not ours
      } finally {
        clearTimeout(timer);
        client.disconnect();
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server on port ${this.port} did not start: ${output.slice(-500)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills the server with SIGKILL (a crash: only what AOF fsynced survives). */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return; // gone already (a second kill)
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }

  /**
   * Starts it again on the same port and directory (replaying the AOF, if any). Clients know the
   * port: if something took it meanwhile, wait for it to be free again rather than move.
   */
  async restart(): Promise<void> {
    await this.kill();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launch();
      } catch (err) {
        if (!(err instanceof PortTaken) || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
