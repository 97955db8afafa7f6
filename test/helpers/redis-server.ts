import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

export interface OwnRedisOptions {
  /** Append-only file with fsync on every write: nothing acknowledged is lost on a crash. */
  aof?: boolean;
  password?: string;
  /** TLS only (no plaintext port), with a CA and server certificate made for this server. */
  tls?: boolean;
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

  private constructor(
    readonly port: number,
    private readonly opts: OwnRedisOptions,
  ) {
    this.tlsFiles = opts.tls ? makeServerCertificates(this.dir) : undefined;
  }

  static async start(opts: OwnRedisOptions = {}): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort(), opts);
    await r.launch();
    return r;
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

  private async launch(): Promise<void> {
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
    if (this.opts.password) args.push('--requirepass', this.opts.password);
    this.proc = spawn('redis-server', args, { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis({ ...this.clientOptions(), lazyConnect: true, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
        await client.quit();
        return;
      } catch {
        client.disconnect();
        if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Kills the server with SIGKILL (a crash: only what AOF fsynced survives). */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }

  /** Starts it again on the same port and directory (replaying the AOF, if any). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
