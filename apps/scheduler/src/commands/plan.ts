import { availableParallelism } from 'node:os';
import { parseBackendFlag, parseChoiceFlag, parseNumberFlag } from '@iwae-sweep/cli';
import type { BackendName } from '@iwae-sweep/core';
import type { Command } from 'commander';
import { addSpecArguments, loadPlan, type PlanFlags } from '../load-plan.ts';
import { calibration } from '../planner/calibration.ts';
import { estimateSweep, formatEstimate } from '../planner/sweep-estimate.ts';

interface PlanCommandFlags extends PlanFlags {
  workers?: string;
  backend?: string;
  recalibrate?: boolean;
  format: string;
}

export function registerPlan(program: Command): void {
  addSpecArguments(
    program
      .command('plan')
      .description(
        "estimate a sweep's cost before running it: trials, flops, core-hours and wall time on N workers (from the cost model and this machine's measured throughput)",
      ),
  )
    .option('--workers <n>', `trial processes in parallel (default: one per core, ${availableParallelism()} here)`)
    .option(
      '--backend <name>',
      "compute backend to calibrate: auto, wasm, cpu, tensorflow, tensorflow-gpu (default: the spec's, else auto)",
    )
    .option('--recalibrate', "measure this machine's throughput again instead of using the cached figure")
    .option('--format <fmt>', 'text or json', 'text')
    .action(async (specFile: string, overrides: string[], flags: PlanCommandFlags) => {
      const plan = loadPlan(specFile, overrides, flags);
      const workers = flags.workers
        ? parseNumberFlag('--workers', flags.workers, { integer: true, min: 1 })
        : availableParallelism();
      const backend: BackendName = flags.backend ? parseBackendFlag(flags.backend) : (plan.spec.backend ?? 'auto');
      const calib = await calibration(backend, {
        refresh: flags.recalibrate ?? false,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      const estimate = estimateSweep(plan.trials, calib, workers, plan.spec.stopping);
      const format = parseChoiceFlag('--format', flags.format, ['text', 'json'] as const);
      if (format === 'json')
        process.stdout.write(`${JSON.stringify({ sweep: plan.sweepId, ...estimate, calibration: calib }, null, 2)}\n`);
      else process.stdout.write(formatEstimate(estimate));
    });
}
