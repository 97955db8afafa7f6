import { hostname } from 'node:os';
import type { SweepPlan, TrialJob } from '@iwae-sweep/core';
import type { ResultsDb } from '@iwae-sweep/db';
import type { SweepQueues } from '@iwae-sweep/queue';
import { gitSha } from './git-sha.ts';

export interface LaunchSummary {
  total: number;
  added: number;
  queued: number;
  alreadyDone: number;
}

/**
 * Records a sweep in the DB and queues its unfinished trials in Redis. Re-launching queues
 * nothing twice: the DB says what is done, and job id = trial id dedups what is queued.
 */
export async function launchSweep(db: ResultsDb, queues: SweepQueues, plan: SweepPlan): Promise<LaunchSummary> {
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
  return {
    ...(await enqueuePending(db, queues, plan.sweepId, new Set(plan.trials.map((t) => t.id)), plan.spec.priority)),
    total: plan.trials.length,
    added,
  };
}

/** Queues a sweep's trials that are not finished (optionally only those in `only`). */
export async function enqueuePending(
  db: ResultsDb,
  queues: SweepQueues,
  sweepId: string,
  only?: Set<string>,
  priority?: number,
): Promise<{ queued: number; alreadyDone: number }> {
  const sweep = db.getSweep(sweepId);
  const spec = sweep ? (JSON.parse(sweep.specJson) as { backend?: TrialJob['backend']; priority?: number }) : {};
  const all = db.trialsWithConfig(sweepId);
  const pending = all.filter((t) => t.status !== 'done' && (!only || only.has(t.id)));
  const jobs: TrialJob[] = pending.map((t) => ({
    sweepId,
    trialId: t.id,
    config: t.config,
    ...(spec.backend ? { backend: spec.backend } : {}),
  }));
  // Trials cancelled or failed before left finished jobs behind; those ids must be freed first.
  await queues.clearFinishedJobs(pending.filter((t) => t.status === 'cancelled' || t.status === 'failed').map((t) => t.id));
  const p = priority ?? spec.priority;
  await queues.enqueueTrials(jobs, p ? { priority: p } : {});
  db.setTrialStatus(
    pending.filter((t) => t.status !== 'running').map((t) => t.id),
    'queued',
  );
  return { queued: jobs.length, alreadyDone: all.length - pending.length };
}
