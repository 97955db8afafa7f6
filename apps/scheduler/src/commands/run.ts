import { availableParallelism, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EXIT, gitSha, parseBackendFlag, parseChoiceFlag, parseNumberFlag } from '@iwae-sweep/cli';
import { ResultsDb } from '@iwae-sweep/db';
import type { Command } from 'commander';
import { dryRunPlan } from '../dry-run.ts';
import { addSpecArguments, loadPlan, type PlanFlags } from '../load-plan.ts';
import { LocalRunner } from '../local-runner.ts';
import { dbOption, dbPath } from '../open-db.ts';
import { type PendingOptions, pendingStatuses } from '../pending-trials.ts';
import { printEstimate } from '../planner/print-estimate.ts';
import { formatSeconds } from '../progress.ts';
import { renderResults } from '../results-columns.ts';
import { describeReuse, reuseFinishedTrials, reuseRules } from '../reuse-trials.ts';
import { BarDisplay, LineDisplay } from '../run-display.ts';
import { RunLock } from '../run-lock.ts';
import { checkSpecChange, specChange } from '../spec-change.ts';

interface RunFlags extends PlanFlags {
  db?: string;
  workers?: string;
  backend?: string;
  artifacts?: string;
  maxAttempts: string;
  keepCheckpoints?: boolean;
  retryFailed: boolean;
  resumeStopped?: boolean;
  progress: string;
  extend?: boolean;
  dryRun?: boolean;
  reuse?: boolean;
}

const PROGRESS_STYLES = ['auto', 'bars', 'lines'] as const;

export function registerRun(program: Command): void {
  addSpecArguments(
    program
      .command('run')
      .description('run a sweep on this machine (no Redis): a process pool writing to a SQLite results DB; run again to resume'),
  )
    .addOption(dbOption())
    .option('--workers <n>', `trial processes in parallel (default: one per core, ${availableParallelism()} here)`)
    .option('--backend <name>', "compute backend: auto, wasm, cpu, tensorflow, tensorflow-gpu (default: the spec's, else auto)")
    .option('--artifacts <dir>', 'where checkpoints go (default: .iwae-sweep next to the DB)')
    .option('--max-attempts <n>', 'attempts per trial in this run (crashes and retryable errors)', '2')
    .option('--keep-checkpoints', 'keep the checkpoints of finished trials')
    .option('--no-retry-failed', 'leave trials that failed in an earlier run alone')
    .option('--resume-stopped', "continue trials that the spec's stopping rule stopped, from their checkpoint to the end")
    .option('--progress <style>', 'bars (terminal), lines, or auto', 'auto')
    .option('--extend', 'the spec changed since this sweep was created: add its new trials to the sweep anyway')
    .option('--dry-run', 'list the trials this would add and their estimated cost, and stop')
    .option(
      '--reuse',
      'copy the results of finished identical trials of other sweeps (same config, seed and code) instead of training them',
    )
    .action(async (specFile: string, overrides: string[], flags: RunFlags) => {
      const plan = loadPlan(specFile, overrides, flags);
      const progress = parseChoiceFlag('--progress', flags.progress, PROGRESS_STYLES);
      const workers = flags.workers
        ? parseNumberFlag('--workers', flags.workers, { integer: true, min: 1 })
        : availableParallelism();
      const maxAttempts = parseNumberFlag('--max-attempts', flags.maxAttempts, { integer: true, min: 1 });
      const backend = flags.backend ? parseBackendFlag(flags.backend) : plan.spec.backend;
      const file = dbPath(flags.db);
      const reuse = reuseRules(plan, backend);
      const again: PendingOptions = { retryFailed: flags.retryFailed, resumeStopped: flags.resumeStopped };
      if (flags.dryRun) {
        const change = specChange(file, plan);
        const { text } = await dryRunPlan(plan, change, { file, again, reuse: { rules: reuse, asked: flags.reuse ?? false } });
        process.stdout.write(text);
        return;
      }
      checkSpecChange(file, plan, flags.extend ?? false);
      const artifactsDir = resolve(flags.artifacts ?? join(dirname(file), '.iwae-sweep'));
      const db = ResultsDb.open(file);
      const lock = RunLock.acquire(file, plan.sweepId);
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = () => {
        interrupts++;
        if (interrupts > 1) process.exit(EXIT.interrupted);
        process.stderr.write('\nstopping: running trials keep their last checkpoint; run the same command again to resume\n');
        controller.abort(new Error('interrupted'));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const host = hostname();
        const sha = gitSha();
        db.saveSweep({
          id: plan.sweepId,
          description: plan.spec.description,
          spec: plan.spec,
          mode: 'local',
          gitSha: sha,
          host,
        });
        db.setSweepState(plan.sweepId, 'active');
        const { added } = db.addTrials(plan.sweepId, plan.trials);
        const inPlan = new Set(plan.trials.map((t) => t.id));
        const retired = db.retireRenamedTrials(plan.sweepId, inPlan);
        if (retired > 0)
          process.stderr.write(`${retired} queued trials are now named as trials of the plan (same computation): cancelled\n`);
        if (flags.reuse) {
          if (typeof reuse === 'string') process.stderr.write(`reuse: nothing reused: ${reuse}\n`);
          else {
            const fresh = db.trialsWithConfig(plan.sweepId, ['queued']).filter((t) => inPlan.has(t.id));
            process.stderr.write(describeReuse(reuseFinishedTrials(db, plan.sweepId, fresh, reuse)));
          }
        }
        const pending = db.trialsWithConfig(plan.sweepId, pendingStatuses(again)).filter((t) => inPlan.has(t.id));
        db.setTrialStatus(
          pending.map((t) => t.id),
          'queued',
        );
        const done = plan.trials.length - pending.length;
        const style = progress === 'auto' ? (process.stderr.isTTY ? 'bars' : 'lines') : progress;
        const display = style === 'bars' ? new BarDisplay() : new LineDisplay();
        await printEstimate(pending, { workers, backend: backend ?? 'auto', stopping: plan.spec.stopping });
        display.start(plan.sweepId, plan.trials.length, done, Math.min(workers, Math.max(1, pending.length)));
        if (added > 0 && added < plan.trials.length)
          process.stderr.write(`${added} new trial(s) added to sweep ${plan.sweepId}\n`);
        const summary = await new LocalRunner({
          db,
          sweepId: plan.sweepId,
          trials: pending,
          workers,
          backend,
          artifactsDir,
          maxAttempts,
          keepCheckpoints: flags.keepCheckpoints ?? false,
          display,
          host,
          gitSha: sha,
          signal: controller.signal,
        }).run();
        display.stop(
          summary.cancelled
            ? `sweep ${plan.sweepId} cancelled after ${formatSeconds(summary.seconds)}`
            : summary.interrupted
              ? `interrupted after ${formatSeconds(summary.seconds)}: ${summary.done} trial(s) finished in this run`
              : `sweep ${plan.sweepId}: ${summary.done} trial(s) finished, ${summary.failed} failed${
                  summary.stopped ? `, ${summary.stopped} stopped early` : ''
                } in this run (${formatSeconds(summary.seconds)})`,
        );
        const rows = db.results({ sweepId: plan.sweepId });
        process.stdout.write(renderResults('table', rows));
        if (summary.interrupted) process.exitCode = EXIT.interrupted;
        else if (rows.some((r) => r.status === 'failed')) process.exitCode = EXIT.failure;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        lock.release();
        db.close();
      }
    });
}
