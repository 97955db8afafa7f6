import { createConnection, createServer, type Server, type Socket } from 'node:net';

type Mode = 'up' | 'cut' | 'partitioned';

/** One direction of one proxied connection: chunks in order, held while partitioned, delayed while slow. */
class Direction {
  /** Chunks to deliver; `undefined` is the sender's end of stream (its FIN), delivered in order. */
  private readonly queue: { chunk: Buffer | undefined; due: number }[] = [];
  private pumping = false;

  constructor(
    private readonly to: Socket,
    private readonly link: LinkProxy,
  ) {}

  /** The sender closed its side: close ours after what it sent before (as TCP does). */
  end(): void {
    this.queue.push({ chunk: undefined, due: Date.now() + this.link.delayMs });
    void this.pump();
  }

  push(chunk: Buffer): void {
    // Latency, not bandwidth: each chunk is due `delayMs` after it arrived.
    this.queue.push({ chunk, due: Date.now() + this.link.delayMs });
    void this.pump();
  }

  async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.link.mode === 'up') {
        const wait = (this.queue[0]?.due ?? 0) - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (this.link.mode !== 'up') break;
        const { chunk } = this.queue.shift() as { chunk: Buffer | undefined };
        if (this.to.destroyed) continue;
        if (chunk) this.to.write(chunk);
        else this.to.end();
      }
    } finally {
      this.pumping = false;
    }
  }
}

/**
 * One machine's network link to a server, as a TCP proxy on loopback that a test can break:
 * - `cut()`: connections reset, new ones refused at once (a host gone, a firewall rejecting);
 * - `partition()`: nothing passes either way but connections stay open; on `heal()` what was
 *   sent meanwhile is delivered (TCP retransmits across a partition shorter than its timeout),
 *   so a client's old commands can reach the server long after it sent them;
 * - `slow(ms)`: every chunk arrives `ms` late, each way (latency).
 */
export class LinkProxy {
  mode: Mode = 'up';
  delayMs = 0;
  private readonly sockets = new Set<Socket>();
  private readonly directions = new Set<Direction>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Listens on a free loopback port (kept open from the start: no race for it). */
  static start(targetPort: number, targetHost = '127.0.0.1'): Promise<LinkProxy> {
    return new Promise((resolve, reject) => {
      const server = createServer({ allowHalfOpen: true });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const proxy = new LinkProxy(server, (server.address() as { port: number }).port, { host: targetHost, port: targetPort });
        server.on('connection', (client) => proxy.accept(client));
        resolve(proxy);
      });
    });
  }

  private accept(client: Socket): void {
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    // Half-open: a side's FIN is passed on after the data before it, not at once.
    const upstream = createConnection({ ...this.target, allowHalfOpen: true });
    this.sockets.add(client).add(upstream);
    const toUpstream = new Direction(upstream, this);
    const toClient = new Direction(client, this);
    this.directions.add(toUpstream).add(toClient);
    client.on('data', (c: Buffer) => toUpstream.push(c));
    upstream.on('data', (c: Buffer) => toClient.push(c));
    client.on('end', () => toUpstream.end());
    upstream.on('end', () => toClient.end());
    // Closed both ways (each side's FIN passed on) or reset: the pair goes.
    let ended = 0;
    const closeWhenBothEnded = () => {
      if (++ended === 2) close();
    };
    const close = () => {
      this.directions.delete(toUpstream);
      this.directions.delete(toClient);
      for (const s of [client, upstream]) {
        this.sockets.delete(s);
        s.destroy();
      }
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', (hadError) => (hadError ? close() : closeWhenBothEnded()));
    }
  }

  /** Resets every connection and refuses new ones until `heal()`. */
  cut(): void {
    this.mode = 'cut';
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    this.directions.clear();
  }

  /** Holds all traffic both ways (connections stay open) until `heal()`. */
  partition(): void {
    this.mode = 'partitioned';
  }

  slow(ms: number): void {
    this.delayMs = ms;
  }

  /** Back to normal: held traffic is delivered, new connections pass, no delay. */
  heal(): void {
    this.mode = 'up';
    this.delayMs = 0;
    for (const d of this.directions) void d.pump();
  }

  get connections(): number {
    return this.sockets.size / 2;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
