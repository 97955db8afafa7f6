import { Redis } from 'ioredis';
import { waitUntil } from './cluster.ts';
import { OwnRedis } from './redis-server.ts';

const NAME = 'iwae';
const REPLICATION_USER = { name: 'repl', password: 'repl-pw' };

/** One line of `INFO replication` as a number (offsets, link down since…). */
export async function replicationField(client: Redis, field: string): Promise<string | undefined> {
  const m = new RegExp(`^${field}:(.*?)\\r?$`, 'm').exec(await client.info('replication'));
  return m?.[1];
}

/**
 * A primary, one replica and three Sentinels (quorum 2) on loopback, each a redis-server of the
 * test's own. Replication runs as a user of its own, so that the test can cut it (disable that
 * user, close its connection) without touching clients or Sentinels: the replica then keeps
 * what it had at the cut, and a failover loses every write made since.
 */
export class SentinelSet {
  private readonly clients = new Map<OwnRedis, Redis>();

  private constructor(
    readonly password: string,
    readonly primary: OwnRedis,
    readonly replica: OwnRedis,
    readonly sentinels: OwnRedis[],
  ) {}

  /**
   * `downAfterMs`: how long the primary is silent before Sentinels deem it down. It also bounds
   * how long replication may have been cut: Sentinel promotes no replica whose link to the
   * primary has been down longer than about ten times that.
   */
  static async start(opts: { password: string; downAfterMs: number }): Promise<SentinelSet> {
    const started: OwnRedis[] = [];
    let set: SentinelSet | undefined;
    try {
      const primary = await OwnRedis.start({ password: opts.password, replicationUser: REPLICATION_USER });
      started.push(primary);
      const replica = await OwnRedis.start({
        password: opts.password,
        replicaOf: primary.port,
        replicationUser: REPLICATION_USER,
      });
      started.push(replica);
      // In sync before anything else: a test's WAIT counts only a replica past its first sync,
      // and a Sentinel learns of replicas from the primary's INFO (on connecting, then every 10 s):
      // one started before the replica was online could find no replica to promote.
      const probe = new Redis({ ...replica.clientOptions(), retryStrategy: () => 200 });
      probe.on('error', () => undefined);
      try {
        await waitUntil(
          async () => (await replicationField(probe, 'master_link_status')) === 'up',
          60_000,
          'the replica in sync with the primary',
        );
      } finally {
        probe.disconnect();
      }
      const sentinels: OwnRedis[] = [];
      for (let i = 0; i < 3; i++) {
        const s = await OwnRedis.start({
          sentinel: {
            name: NAME,
            primaryPort: primary.port,
            primaryPassword: opts.password,
            quorum: 2,
            downAfterMs: opts.downAfterMs,
          },
        });
        started.push(s);
        sentinels.push(s);
      }
      set = new SentinelSet(opts.password, primary, replica, sentinels);
      // Each Sentinel knows the replica (a failover has a candidate) and its fellow Sentinels (a
      // quorum can be reached, and one of them elected to run the failover).
      for (const s of sentinels) {
        const c: Redis = set.direct(s);
        await waitUntil(
          async () => {
            const replicas = (await c.call('SENTINEL', 'REPLICAS', NAME)) as unknown[];
            const others = (await c.call('SENTINEL', 'SENTINELS', NAME)) as unknown[];
            return replicas.length === 1 && others.length === sentinels.length - 1;
          },
          60_000,
          `sentinel on port ${s.port} to know the replica and the other sentinels`,
        );
      }
      return set;
    } catch (err) {
      if (set) await set.stop();
      else for (const r of started.reverse()) await r.stop();
      throw err;
    }
  }

  /** What every client is given: the Sentinels, which name the primary of the moment. */
  get url(): string {
    return `redis+sentinel://:${this.password}@${this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${NAME}`;
  }

  /**
   * A direct connection to one server (one each, closed by `stop`): reads what that server holds.
   * It reconnects: Sentinel closes every client connection of the replica it promotes.
   */
  direct(server: OwnRedis): Redis {
    let c = this.clients.get(server);
    if (!c) {
      c = new Redis({ ...server.clientOptions(), retryStrategy: () => 200, maxRetriesPerRequest: 3 });
      c.on('error', () => undefined);
      this.clients.set(server, c);
    }
    return c;
  }

  /**
   * Cuts replication and waits until the replica sees its link down; returns the replication
   * offset both had at the cut (the primary's writes after it exist only on the primary).
   */
  async cutReplication(): Promise<number> {
    const p = this.direct(this.primary);
    const r = this.direct(this.replica);
    // Everything so far is on the replica.
    if (Number(await p.call('WAIT', '1', '10000')) !== 1) throw new Error('the replica did not acknowledge before the cut');
    await p.call('ACL', 'SETUSER', REPLICATION_USER.name, 'off');
    await p.call('CLIENT', 'KILL', 'USER', REPLICATION_USER.name);
    await waitUntil(async () => (await replicationField(r, 'master_link_status')) === 'down', 10_000, "the replica's link down");
    return Number(await replicationField(r, 'slave_repl_offset'));
  }

  /** The port of the primary the Sentinels name now. */
  async primaryPort(): Promise<number> {
    const s = this.direct(this.sentinels[0] as OwnRedis);
    const [, port] = (await s.call('SENTINEL', 'get-master-addr-by-name', NAME)) as [string, string];
    return Number(port);
  }

  async stop(): Promise<void> {
    for (const c of this.clients.values()) c.disconnect();
    for (const r of [...this.sentinels, this.replica, this.primary]) await r.stop();
  }
}
