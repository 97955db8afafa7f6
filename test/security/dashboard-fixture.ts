import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import type { startCli } from '../helpers/cli.ts';
import { dashboardUrl } from '../helpers/dashboard-url.ts';

export interface Served {
  url: string;
  port: number;
  proc: ReturnType<typeof startCli>;
}

/** Starts `serve` with these arguments and waits for the dashboard URL it prints. */
export async function startServe(start: (args: string[]) => ReturnType<typeof startCli>, args: string[]): Promise<Served> {
  const proc = start(['serve', '--port', '0', ...args]);
  const url = await dashboardUrl(proc);
  return { url, port: Number(new URL(url).port), proc };
}

/** The DB's bytes, its write-ahead log included (a write lands there first). */
export function dbDigest(file: string): string {
  const h = createHash('sha256');
  for (const f of [file, `${file}-wal`]) h.update(existsSync(f) ? readFileSync(f) : Buffer.alloc(0));
  return h.digest('hex');
}

/**
 * Every key of a deployment with its serialized value, except BullMQ's own stalled-check
 * timestamp (refreshed by an idle collector on a timer, whatever the requests).
 */
export async function redisDigest(url: string, prefix: string): Promise<string[]> {
  const redis = new Redis(url);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch.filter((k) => !k.endsWith(':stalled-check')));
    } while (cursor !== '0');
    keys.sort();
    const out: string[] = [];
    for (const k of keys) {
      const dump = await redis.dumpBuffer(k);
      out.push(`${k} ${dump ? createHash('sha256').update(dump).digest('hex').slice(0, 16) : 'gone'}`);
    }
    return out;
  } finally {
    await redis.quit();
  }
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request exactly as given (Host, method, path and body untouched by a client library). */
export function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, connection: 'close', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A request written byte for byte on a socket (for what an HTTP client refuses to send). */
export function sendRaw(port: number, text: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(text));
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      const raw = Buffer.concat(chunks).toString();
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

/** A refusal's body: one line, short, no stack trace. */
export function oneLine(body: string): boolean {
  const text = body.replace(/\n$/, '');
  return text.length > 0 && text.length < 400 && !text.includes('\n') && !/\bat .+:\d+:\d+/.test(text);
}
