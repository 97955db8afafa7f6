import { hostname } from 'node:os';
import { gitSha } from '@iwae-sweep/cli';
import { type SweepPlan, stoppingOfSpecJson, type TrialJob } from '@iwae-sweep/core';
import type { ResultsDb, ReuseRules, TrialWithConfig } from '@iwae-sweep/db';
import type { SweepQueues } from '@iwae-sweep/queue';
import { pendingStatuses } from './pending-trials.ts';
import { epochFlops, trialCost } from './planner/sweep-cost.ts';
import { type ReuseOutcome, reuseFinishedTrials } from './reuse-trials.ts';

export interface LaunchSummary {
  total: number;
  added: number;
  queued: number;
  alreadyDone: number;
  /** With `reuse`: the trials copied from finished identical trials of other sweeps. */
  reused?: ReuseOutcome;
}

/**
 * Records a sweep in the DB and queues its unfinished trials in Redis. Re-launching queues
 * nothing twice: the DB says what is done, and job id = trial id dedups what is queued.
 */
export async function launchSweep(
  db: ResultsDb,
  queues: SweepQueues,
  plan: SweepPlan,
  opts: { resumeStopped?: boolean; reuse?: ReuseRules } = {},
): Promise<LaunchSummary> {
  db.saveSweep({
    id: plan.sweepId,
    description: plan.spec.description,
    spec: plan.spec,
    mode: 'redis',
    gitSha: gitSha(),
    host: hostname(),
  });
  db.setSweepState(plan.sweepId, 'active');
  const { added } = db.addTrials(plan.sweepId, plan.trials);
  // Trials queued under an id the current normalisation no longer issues would wait forever.
  db.retireRenamedTrials(plan.sweepId, new Set(plan.trials.map((t) => t.id)));
  await queues.clearCancel(plan.sweepId);
  let reused: ReuseOutcome | undefined;
  if (opts.reuse) {
    const inPlan = new Set(plan.trials.map((t) => t.id));
    const queued = db.trialsWithConfig(plan.sweepId, ['queued']).filter((t) => inPlan.has(t.id));
    // Only trials with no job in Redis: a queued job would be trained by a worker all the same.
    const states = await queues.jobStates(queued.map((t) => t.id));
    const fresh = queued.filter((t) => states.get(t.id) === 'missing');
    reused = reuseFinishedTrials(db, plan.sweepId, fresh, opts.reuse);
  }
  return {
    ...(reused ? { reused } : {}),
    ...(await enqueuePending(db, queues, plan.sweepId, {
      only: new Set(plan.trials.map((t) => t.id)),
      ...(plan.spec.priority ? { priority: plan.spec.priority } : {}),
      ...(opts.resumeStopped ? { resumeStopped: true } : {}),
    })),
    total: plan.trials.length,
    added,
  };
}

export interface EnqueueOptions {
  /** Only these trials (a spec's), not every unfinished trial of the sweep. */
  only?: Set<string>;
  priority?: number;
  /** Also queue trials the stopping rule stopped: they continue from their checkpoint to the end. */
  resumeStopped?: boolean;
}

/** Estimated flops left in a trial: the epochs it has not trained (with their validation), and its evaluation. */
export function remainingFlops(t: TrialWithConfig): number {
  const c = trialCost(t.id, t.config);
  return epochFlops(c) * Math.max(0, c.epochs - t.epochsDone) + c.evalFlops;
}

/** Queues a sweep's trials that are not finished (stopped ones only with `resumeStopped`). */
export async function enqueuePending(
  db: ResultsDb,
  queues: SweepQueues,
  sweepId: string,
  opts: EnqueueOptions = {},
): Promise<{ queued: number; alreadyDone: number }> {
  const sweep = db.getSweep(sweepId);
  const spec = sweep ? (JSON.parse(sweep.specJson) as { backend?: TrialJob['backend']; priority?: number }) : undefined;
  const stopping = sweep ? stoppingOfSpecJson(sweep.specJson) : undefined;
  const all = db.trialsWithConfig(sweepId);
  const again = new Set<string>(pendingStatuses({ resumeStopped: opts.resumeStopped }));
  const pending = all.filter((t) => again.has(t.status) && (!opts.only || opts.only.has(t.id)));
  const jobs = pending.map((t) => ({
    job: {
      sweepId,
      trialId: t.id,
      config: t.config,
      ...(spec?.backend ? { backend: spec.backend } : {}),
      // A trial the rule stopped before runs to its end when resumed.
      ...(stopping && !db.rungs.wasStopped(t.id) ? { stopping } : {}),
    } satisfies TrialJob,
    // What is left of it: a trial resumed from its checkpoint is shorter than a fresh one.
    flops: remainingFlops(t),
  }));
  // Trials cancelled, failed or stopped before left finished jobs behind; those ids must be freed first.
  const finished = new Set(['cancelled', 'failed', 'stopped']);
  await queues.clearFinishedJobs(pending.filter((t) => finished.has(t.status)).map((t) => t.id));
  const p = opts.priority ?? spec?.priority;
  await queues.enqueueTrials(jobs, { priority: p });
  db.setTrialStatus(
    pending.filter((t) => t.status !== 'running').map((t) => t.id),
    'queued',
  );
  return { queued: jobs.length, alreadyDone: all.length - pending.length };
}
