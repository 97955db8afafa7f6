import { addRedisFlags, openQueues, type RedisFlags, redisUrl } from '@iwae-sweep/cli';
import type { ResultsDb } from '@iwae-sweep/db';
import type { Command } from 'commander';
import { type Column, OUTPUT_FORMATS, type OutputFormat, render, renderJson } from '../format-table.ts';
import { dbOption, openExistingDb, requireSweep, withDb } from '../open-db.ts';
import { formatSeconds } from '../progress.ts';
import { RunLock } from '../run-lock.ts';
import { deadRun, withShownStatus } from '../shown-status.ts';
import { sweepEtaSeconds, sweepStatus } from '../sweep-eta.ts';
import { trialLabel } from '../trial-label.ts';
import { type WorkerShown, withResolvedBackends } from '../worker-backends.ts';
import { parseFormat } from './results.ts';

interface StatusFlags extends RedisFlags {
  db?: string;
  sweep?: string;
  format: string;
}

const time = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : null);

/** Workers as their heartbeats describe them, backends as their trials ran; a worker silent past its heartbeat is "vanished". */
function workerColumns(now: number): Column<WorkerShown>[] {
  return [
    { header: 'worker', value: (w) => w.id },
    { header: 'host', value: (w) => w.host },
    { header: 'backend', value: (w) => w.backendShown },
    { header: 'gpu', value: (w) => w.gpu ?? null },
    { header: 'running', value: (w) => `${w.running.length}/${w.concurrency}`, align: 'right' },
    { header: 'trials', value: (w) => w.running.join(' ') || null },
    { header: 'finished', value: (w) => w.finished, align: 'right' },
    { header: 'last heartbeat', value: (w) => `${formatSeconds(Math.max(0, (now - w.lastSeen) / 1000))} ago` },
    { header: 'status', value: (w) => w.status },
  ];
}

/** The queue's jobs by state and its workers' heartbeats. */
async function queueView(
  flags: RedisFlags,
  db: ResultsDb,
): Promise<{ prefix: string; counts: Record<string, number>; workers: WorkerShown[] }> {
  const queues = await openQueues(flags);
  try {
    const workers = withResolvedBackends(db, await queues.workerRegistry().list());
    return { prefix: queues.prefix, counts: await queues.counts(), workers };
  } finally {
    await queues.close();
  }
}

export function registerStatus(program: Command): void {
  addRedisFlags(
    program
      .command('status')
      .description("sweeps and their trials by status, with ETAs; --sweep lists one sweep's trials")
      .addOption(dbOption())
      .option('--sweep <id>', 'one sweep: list its trials')
      .option('--format <format>', `output: ${OUTPUT_FORMATS.join(', ')}`, 'table'),
    false,
  ).action(async (flags: StatusFlags) => {
    const format: OutputFormat = parseFormat(flags.format);
    await withDb(openExistingDb(flags.db), async (db) => {
      if (flags.sweep) requireSweep(db, flags.sweep);
      const sweeps = db.sweepSummaries(flags.sweep);
      // A local run killed (SIGKILL, a SIGINT to its group) leaves its trials "running" and its lock.
      const runners = new Map(sweeps.map((s) => [s.id, s.mode === 'local' ? RunLock.state(db.file, s.id) : undefined]));
      const statusOf = (s: (typeof sweeps)[number]) => sweepStatus(s, runners.get(s.id));
      /** A dead run's "running" trials are shown as interrupted (the DB is not written: this is a reader). */
      const trialsShown = (sweepId: string) => withShownStatus(db.trialsOf(sweepId), deadRun(db, sweepId));
      type S = (typeof sweeps)[number];
      const columns: Column<S>[] = [
        { header: 'sweep', value: (s) => s.id },
        { header: 'mode', value: (s) => s.mode },
        { header: 'status', value: (s) => statusOf(s) },
        { header: 'trials', value: (s) => s.total, align: 'right' },
        { header: 'done', value: (s) => s.done, align: 'right' },
        { header: 'running', value: (s) => s.running, align: 'right' },
        { header: 'queued', value: (s) => s.queued, align: 'right' },
        { header: 'failed', value: (s) => s.failed, align: 'right' },
        { header: 'cancelled', value: (s) => s.cancelled, align: 'right' },
        { header: 'stopped', value: (s) => s.stopped, align: 'right' },
        { header: 'epochs', value: (s) => `${s.epochsDone}/${s.epochsTotal}`, align: 'right' },
        { header: 'started', value: (s) => time(s.firstStartedAt) },
        {
          header: 'finished',
          value: (s) => (s.done + s.failed + s.cancelled + s.stopped === s.total ? time(s.lastFinishedAt) : null),
        },
        {
          header: 'eta',
          value: (s) => (statusOf(s) === 'running' ? formatSeconds(sweepEtaSeconds(s) ?? Number.NaN) : null),
        },
      ];
      if (format === 'json') {
        const out = sweeps.map((s) => ({
          ...s,
          status: statusOf(s),
          runner: runners.get(s.id) ?? null,
          etaSeconds: sweepEtaSeconds(s) ?? null,
          specJson: undefined,
        }));
        if (!flags.sweep) {
          process.stdout.write(`${renderJson(out)}\n`);
          return;
        }
        // One sweep: with Redis, the queue's own view beside the DB's (a key added; the rest unchanged).
        const queue = redisUrl(flags) ? { queue: await queueView(flags, db) } : {};
        process.stdout.write(`${renderJson({ sweep: out[0], trials: trialsShown(flags.sweep), ...queue })}\n`);
        return;
      }
      process.stdout.write(render(format, sweeps, columns));
      if (flags.sweep) {
        const trials = trialsShown(flags.sweep);
        type T = (typeof trials)[number];
        const trialColumns: Column<T>[] = [
          { header: 'trial', value: (t) => t.id },
          { header: 'model', value: (t) => trialLabel(t) },
          { header: 'status', value: (t) => t.status },
          { header: 'phase', value: (t) => (t.status === 'running' || t.status === 'interrupted' ? t.phase : null) },
          { header: 'epochs', value: (t) => `${t.epochsDone}/${t.epochsTotal}`, align: 'right' },
          { header: 'bound', value: (t) => t.lastTrainBound, digits: 2, align: 'right' },
          { header: 'attempts', value: (t) => t.attempts, align: 'right' },
          { header: 'worker', value: (t) => t.workerId },
          { header: 'host', value: (t) => t.host },
          { header: 'error', value: (t) => t.error?.split('\n')[0]?.slice(0, 60) ?? null },
        ];
        process.stdout.write(`\n${render(format, trials, trialColumns)}`);
      }
      if (redisUrl(flags)) {
        // The queue's own view: jobs by state and the workers connected right now.
        const { prefix, counts, workers } = await queueView(flags, db);
        process.stdout.write(
          `\nqueue ${prefix}: ${Object.entries(counts)
            .map(([state, n]) => `${n} ${state}`)
            .join(', ')}\n\n${render(format, workers, workerColumns(Date.now()))}`,
        );
      }
    });
  });
}
