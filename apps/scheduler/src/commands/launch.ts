import {
  addRedisFlags,
  openQueues,
  parseBackendFlag,
  parseNumberFlag,
  type RedisFlags,
  redisUrl,
  requireRedisUrl,
} from '@iwae-sweep/cli';
import { IwaeSweepError } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import type { Command } from 'commander';
import { dryRunPlan } from '../dry-run.ts';
import { followSweep } from '../follow-sweep.ts';
import { launchSweep } from '../launcher.ts';
import { addSpecArguments, loadPlan, type PlanFlags } from '../load-plan.ts';
import { dbOption, dbPath } from '../open-db.ts';
import { printEstimate } from '../planner/print-estimate.ts';
import { describeReuse, reuseRules } from '../reuse-trials.ts';
import { checkSpecChange, specChange } from '../spec-change.ts';

interface LaunchFlags extends RedisFlags, PlanFlags {
  db?: string;
  follow?: boolean;
  extend?: boolean;
  dryRun?: boolean;
  resumeStopped?: boolean;
  workers?: string;
  backend?: string;
  reuse?: boolean;
}

const REUSE_HELP =
  'copy the results of finished identical trials of other sweeps (same config, seed and code) instead of training them';

/**
 * For a dry run with --reuse: which trials have no job in Redis (a queued job is trained whatever
 * reuse finds). Read only; without Redis, every trial a launch queued is taken to be queued there still.
 */
async function joblessInRedis(flags: RedisFlags, ids: string[]): Promise<{ ids: ReadonlySet<string>; note?: string }> {
  const unread = (why: string) => ({
    ids: new Set<string>(),
    note: `Redis not read (${why}): trials queued by an earlier launch are taken to be queued there still (they train)`,
  });
  if (!redisUrl(flags)) return unread('no --redis or IWAE_SWEEP_REDIS_URL');
  try {
    const queues = await openQueues(flags);
    try {
      const states = await queues.jobStates(ids);
      return { ids: new Set(ids.filter((id) => states.get(id) === 'missing')) };
    } finally {
      await queues.close();
    }
  } catch (err) {
    return unread((err as Error).message.split('\n')[0] ?? 'unreachable');
  }
}

async function launch(specFile: string, overrides: string[], flags: LaunchFlags, requireExisting: boolean): Promise<void> {
  const plan = loadPlan(specFile, overrides, flags);
  const file = dbPath(flags.db);
  const workers = parseNumberFlag('--workers', flags.workers ?? '1', { integer: true, min: 1 });
  const backend = flags.backend ? parseBackendFlag(flags.backend) : (plan.spec.backend ?? 'auto');
  // Workers pick their own backend: only the spec's pins one for the trials.
  const reuse = reuseRules(plan, plan.spec.backend);
  if (flags.dryRun) {
    // Nothing is written, not the DB, not Redis: the trials it would queue, and what they would cost.
    const change = specChange(file, plan);
    const { text, toTrain } = await dryRunPlan(plan, change, {
      file,
      again: { resumeStopped: flags.resumeStopped },
      reuse: { rules: reuse, asked: flags.reuse ?? false },
      jobless: (ids) => joblessInRedis(flags, ids),
    });
    process.stdout.write(text);
    await printEstimate(toTrain, { workers, backend, stopping: plan.spec.stopping });
    return;
  }
  // The Redis URL is checked before the DB is opened: a bad flag leaves the DB untouched.
  requireRedisUrl(flags);
  // `add` exists to extend a running sweep; `launch` must be told (--extend) when the spec changed.
  checkSpecChange(file, plan, requireExisting || (flags.extend ?? false));
  const db = ResultsDb.open(file);
  try {
    if (requireExisting && !db.getSweep(plan.sweepId)) {
      throw new IwaeSweepError('no_sweep', `sweep "${plan.sweepId}" does not exist in ${db.file}: use \`launch\` to start it`);
    }
    const finished = new Set(db.trialsOf(plan.sweepId, ['done']).map((t) => t.id));
    await printEstimate(
      plan.trials.filter((t) => !finished.has(t.id)),
      { workers, backend, stopping: plan.spec.stopping },
    );
    const queues = await openQueues(flags);
    try {
      if (flags.reuse && typeof reuse === 'string') process.stderr.write(`reuse: nothing reused: ${reuse}\n`);
      const s = await launchSweep(db, queues, plan, {
        resumeStopped: flags.resumeStopped ?? false,
        ...(flags.reuse && typeof reuse !== 'string' ? { reuse } : {}),
      });
      if (s.reused) process.stderr.write(describeReuse(s.reused));
      process.stderr.write(
        `sweep ${plan.sweepId}: ${s.total} trials (${s.added} new), ${s.queued} queued in Redis, ${s.alreadyDone} already done\n`,
      );
      if (flags.follow) await followSweep(db, queues, plan.sweepId);
      else
        process.stderr.write(
          'results are collected by `iwae-sweep serve` (or `launch --follow`); start workers with `iwae-sweep worker`\n',
        );
    } finally {
      await queues.close();
    }
  } finally {
    db.close();
  }
}

export function registerLaunch(program: Command): void {
  addRedisFlags(
    addSpecArguments(
      program
        .command('launch')
        .description("queue a sweep's trials in Redis for workers on any machine (re-launching never duplicates work)"),
    )
      .addOption(dbOption())
      .option('--follow', 'collect results here and show progress until the sweep ends')
      .option('--extend', 'the spec changed since this sweep was created: add its new trials to the sweep anyway')
      .option('--dry-run', 'list the trials this would add and their estimated cost, and stop (no Redis needed)')
      .option('--resume-stopped', "continue trials that the spec's stopping rule stopped, from their checkpoint to the end")
      .option('--workers <n>', 'worker processes the cost estimate assumes', '1')
      .option('--backend <name>', "backend the cost estimate is calibrated on (default: the spec's, else auto)")
      .option('--reuse', REUSE_HELP),
    true,
  ).action((spec: string, overrides: string[], flags: LaunchFlags) => launch(spec, overrides, flags, false));

  addRedisFlags(
    addSpecArguments(program.command('add').description('add the new trials of an extended spec to a running sweep (same name)'))
      .addOption(dbOption())
      .option('--follow', 'collect results here and show progress until the sweep ends')
      .option('--resume-stopped', "continue trials that the spec's stopping rule stopped, from their checkpoint to the end")
      .option('--workers <n>', 'worker processes the cost estimate assumes', '1')
      .option('--backend <name>', "backend the cost estimate is calibrated on (default: the spec's, else auto)")
      .option('--dry-run', 'print the trials and the cost estimate; queue nothing, write nothing')
      .option('--reuse', REUSE_HELP),
    true,
  ).action((spec: string, overrides: string[], flags: LaunchFlags) => launch(spec, overrides, flags, true));
}
