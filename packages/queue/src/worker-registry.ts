import type { Redis } from 'ioredis';
import { z } from 'zod';
import { redisKeys } from './redis-keys.ts';

/** What a worker says about itself at every heartbeat. */
export const workerInfoSchema = z.object({
  id: z.string().min(1),
  host: z.string().min(1),
  pid: z.number().int(),
  backend: z.string(),
  gpu: z.number().int().min(0).optional(),
  concurrency: z.number().int().min(1),
  /** Trial ids running there now. */
  running: z.array(z.string()),
  /** Trials this worker finished (completed, failed or cancelled) since it started. */
  finished: z.number().int().min(0),
  startedAt: z.number(),
  lastSeen: z.number(),
  /** `stopped` after a clean shutdown; otherwise the heartbeat key says whether it lives. */
  state: z.enum(['running', 'stopped']),
});
export type WorkerInfo = z.infer<typeof workerInfoSchema>;

/** A worker as `status` and the dashboard show it. */
export type WorkerView = WorkerInfo & { status: 'alive' | 'vanished' | 'stopped' };

/** Entries of workers gone (stopped or vanished) longer than this are dropped. */
const RETENTION_MS = 24 * 3600 * 1000;

/**
 * Workers announce themselves with a heartbeat: their description in one hash, and a key per
 * worker that expires unless renewed. A worker whose key expired without a clean stop (killed,
 * frozen, cut off) is shown as vanished until it comes back or a day passes.
 */
export class WorkerRegistry {
  private readonly keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** How long a worker may stay silent before it counts as vanished. */
    readonly ttlMs = 15_000,
  ) {
    this.keys = redisKeys(prefix);
  }

  async beat(info: WorkerInfo): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.workers, info.id, JSON.stringify(info))
      .set(this.keys.workerAlive(info.id), '1', 'PX', this.ttlMs)
      .exec();
  }

  async stopped(info: WorkerInfo): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.workers, info.id, JSON.stringify({ ...info, state: 'stopped', running: [] }))
      .del(this.keys.workerAlive(info.id))
      .exec();
  }

  /** Every known worker with its status; drops entries past retention. */
  async list(now = Date.now()): Promise<WorkerView[]> {
    const all = await this.redis.hgetall(this.keys.workers);
    const infos: WorkerInfo[] = [];
    for (const [id, text] of Object.entries(all)) {
      const parsed = workerInfoSchema.safeParse(safeJson(text));
      if (!parsed.success || now - parsed.data.lastSeen > RETENTION_MS) {
        await this.redis.hdel(this.keys.workers, id);
        continue;
      }
      infos.push(parsed.data);
    }
    if (infos.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const w of infos) pipe.exists(this.keys.workerAlive(w.id));
    const alive = ((await pipe.exec()) ?? []).map(([, n]) => n === 1);
    return infos
      .map((w, i) => ({
        ...w,
        status: w.state === 'stopped' ? ('stopped' as const) : alive[i] ? ('alive' as const) : ('vanished' as const),
      }))
      .sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
