import type { TrialJob } from '@iwae-sweep/core';
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { QUEUE_NAMES } from './job-catalog.ts';
import { jobSpec } from './job-io.ts';
import { trialJobPriority } from './job-priority.ts';
import { connectionOptions, openRedis } from './redis-connection.ts';
import { type RedisKeys, redisKeys } from './redis-keys.ts';
import type { RedisTls } from './redis-url.ts';
import { WorkerRegistry } from './worker-registry.ts';

export interface QueueConfig {
  /** redis:// or rediss:// URL, with password if any. */
  url: string;
  /** Namespace of every key (BullMQ prefix); one deployment, one prefix. */
  prefix?: string;
  /** CA for rediss:// with a private CA. */
  tls?: RedisTls;
}

export const DEFAULT_PREFIX = 'iwae-sweep';

const controlMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cancel'), sweepId: z.string() }),
  z.object({ type: z.literal('resume'), sweepId: z.string() }),
]);
export type ControlMessage = z.infer<typeof controlMessageSchema>;

/** States a trial job can wait in before a worker takes it. */
const WAITING_STATES = ['waiting', 'prioritized', 'delayed'] as const;

/**
 * The scheduler's handle on Redis: the trials queue (work), the results queue (events back),
 * and the control channel that carries cancellations to workers on other machines (BullMQ's
 * own cancelJob reaches only the local worker). A cancelled sweep is also recorded in a set,
 * so that a worker that starts later, or missed the message, still sees it.
 */
export class SweepQueues {
  readonly keys: RedisKeys;

  private constructor(
    readonly url: string,
    readonly prefix: string,
    readonly tls: RedisTls,
    readonly trials: Queue,
    readonly results: Queue,
    readonly redis: Redis,
  ) {
    this.keys = redisKeys(prefix);
  }

  static async open(cfg: QueueConfig): Promise<SweepQueues> {
    const prefix = cfg.prefix ?? DEFAULT_PREFIX;
    const tls = cfg.tls ?? {};
    const redis = await openRedis(cfg.url, { tls });
    const opts = { connection: connectionOptions(cfg.url, 'producer', tls), prefix };
    return new SweepQueues(
      cfg.url,
      prefix,
      tls,
      new Queue(QUEUE_NAMES.trials, opts),
      new Queue(QUEUE_NAMES.results, opts),
      redis,
    );
  }

  /** BullMQ connection options for another connection to the same Redis (workers, the collector). */
  connection(role: 'worker' | 'producer') {
    return connectionOptions(this.url, role, this.tls);
  }

  get controlChannel(): string {
    return this.keys.controlChannel;
  }

  private get cancelledKey(): string {
    return this.keys.cancelledSweeps;
  }

  /**
   * Queues trial jobs (job id = trial id: a job that exists is not added twice), each with its
   * priority from the sweep's priority and the trial's estimated cost (longest first).
   */
  async enqueueTrials(entries: { job: TrialJob; flops: number }[], opts: { priority?: number | undefined } = {}): Promise<void> {
    for (let i = 0; i < entries.length; i += 1000) {
      await this.trials.addBulk(
        entries.slice(i, i + 1000).map(({ job: data, flops }) => ({
          name: 'trial' as const,
          data,
          opts: jobSpec('trial', data, { priority: trialJobPriority(flops, opts.priority) }),
        })),
      );
    }
  }

  /**
   * Removes a sweep's jobs that no worker has taken yet; returns their trial ids. A job taken
   * while this runs is missed here, and stopped by the worker, which checks the cancel flag.
   */
  async removeWaitingJobs(sweepId: string): Promise<string[]> {
    const matching: Job[] = [];
    const page = 1000;
    for (let start = 0; ; start += page) {
      const jobs = (await this.trials.getJobs([...WAITING_STATES], start, start + page - 1)) as (Job | undefined)[];
      for (const job of jobs) if (job && (job.data as Partial<TrialJob>).sweepId === sweepId) matching.push(job);
      if (jobs.length < page) break;
    }
    const removed: string[] = [];
    for (const job of matching) {
      try {
        await job.remove();
        removed.push(job.id as string);
      } catch {
        // Taken by a worker meanwhile (locked): the cancel flag stops it.
      }
    }
    return removed;
  }

  /**
   * Where each trial's job is: gone, finished (completed or failed), or still live (waiting,
   * delayed, active). One pipelined round trip per thousand trials, so reconciling a sweep of
   * 100k trials stays cheap; reads BullMQ's key layout (<prefix>:<queue>:<id>, and the
   * completed and failed sorted sets).
   */
  async jobStates(trialIds: string[]): Promise<Map<string, 'missing' | 'completed' | 'failed' | 'live'>> {
    const states = new Map<string, 'missing' | 'completed' | 'failed' | 'live'>();
    const completed = this.trials.toKey('completed');
    const failed = this.trials.toKey('failed');
    for (let i = 0; i < trialIds.length; i += 1000) {
      const ids = trialIds.slice(i, i + 1000);
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.exists(this.trials.toKey(id)).zscore(completed, id).zscore(failed, id);
      const replies = (await pipe.exec()) ?? [];
      ids.forEach((id, j) => {
        const [exists, done, fail] = [replies[3 * j]?.[1], replies[3 * j + 1]?.[1], replies[3 * j + 2]?.[1]];
        states.set(id, exists === 0 ? 'missing' : done !== null ? 'completed' : fail !== null ? 'failed' : 'live');
      });
    }
    return states;
  }

  /**
   * Removes finished (completed or failed) jobs of these trials, so that they can be queued
   * again: a job id that still exists is never added twice.
   */
  async clearFinishedJobs(trialIds: string[]): Promise<number> {
    let removed = 0;
    for (const [id, state] of await this.jobStates(trialIds)) {
      if (state !== 'completed' && state !== 'failed') continue;
      await (await this.trials.getJob(id))?.remove();
      removed++;
    }
    return removed;
  }

  /** Cancels a sweep everywhere: waiting jobs go, running trials stop at their next epoch. */
  async cancelSweep(sweepId: string): Promise<string[]> {
    await this.redis.sadd(this.cancelledKey, sweepId);
    await this.publish({ type: 'cancel', sweepId });
    return this.removeWaitingJobs(sweepId);
  }

  /** Clears a sweep's cancellation (before it is launched again). */
  async clearCancel(sweepId: string): Promise<void> {
    await this.redis.srem(this.cancelledKey, sweepId);
    await this.publish({ type: 'resume', sweepId });
  }

  async isCancelled(sweepId: string): Promise<boolean> {
    return (await this.redis.sismember(this.cancelledKey, sweepId)) === 1;
  }

  private async publish(msg: ControlMessage): Promise<void> {
    await this.redis.publish(this.controlChannel, JSON.stringify(msg));
  }

  async counts(): Promise<Record<string, number>> {
    return this.trials.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
  }

  /** The workers' heartbeats: who is there, on which host and backend, running what. */
  workerRegistry(): WorkerRegistry {
    return new WorkerRegistry(this.redis, this.prefix);
  }

  /** Worker connections on the trials queue (one per worker process and blocking connection). */
  async workers(): Promise<{ name: string; addr: string; age: number }[]> {
    const list = (await this.trials.getWorkers()) as { name?: string; addr?: string; age?: string }[];
    return list.map((w) => ({ name: w.name ?? '', addr: w.addr ?? '', age: Number(w.age ?? 0) }));
  }

  /** Deletes every key of this deployment's queues (tests and `reset`). */
  async obliterate(): Promise<void> {
    await this.trials.obliterate({ force: true });
    await this.results.obliterate({ force: true });
    await this.redis.del(this.cancelledKey, this.keys.workers);
  }

  async close(): Promise<void> {
    await Promise.all([this.trials.close(), this.results.close()]);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Listens to the control channel on a dedicated connection (a subscribed connection can do
 * nothing else). Malformed messages are ignored.
 */
export async function subscribeControl(
  url: string,
  prefix: string,
  onMessage: (msg: ControlMessage) => void,
  tls: RedisTls = {},
): Promise<() => Promise<void>> {
  const sub = new Redis({ ...connectionOptions(url, 'worker', tls), lazyConnect: true });
  sub.on('error', () => undefined); // reconnects by itself; errors surface on the main connections
  await sub.connect();
  await sub.subscribe(redisKeys(prefix).controlChannel);
  sub.on('message', (_channel, text: string) => {
    try {
      const parsed = controlMessageSchema.safeParse(JSON.parse(text));
      if (parsed.success) onMessage(parsed.data);
    } catch {
      // not JSON: ignore
    }
  });
  return async () => {
    await sub.quit().catch(() => sub.disconnect());
  };
}

/** The set of cancelled sweeps, read by workers before and during a trial. */
export async function cancelledSweeps(redis: Redis, prefix: string): Promise<Set<string>> {
  return new Set(await redis.smembers(redisKeys(prefix).cancelledSweeps));
}

/** Whether a sweep is cancelled: read by a running trial at every epoch. */
export async function isSweepCancelled(redis: Redis, prefix: string, sweepId: string): Promise<boolean> {
  return (await redis.sismember(redisKeys(prefix).cancelledSweeps, sweepId)) === 1;
}
