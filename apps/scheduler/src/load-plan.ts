import { parseNumberFlag } from '@iwae-sweep/cli';
import { DEFAULT_MAX_TRIALS, expandSweep, loadSweepSpec, type SweepPlan } from '@iwae-sweep/core';
import type { Command } from 'commander';

export interface PlanFlags {
  maxTrials?: string;
}

/** The spec argument, its command-line overrides and the size cap, for run/launch/add. */
export function addSpecArguments(cmd: Command): Command {
  return cmd
    .argument('<spec>', 'sweep spec (YAML)')
    .argument('[overrides...]', 'overrides of spec fields, validated like the file: base.epochs=3 grid.k=[1,10]')
    .option(
      '--max-trials <n>',
      `refuse a sweep of more trials than this (grid × random samples × seeds)`,
      String(DEFAULT_MAX_TRIALS),
    );
}

/** Reads, overrides, validates and expands a spec: every problem is reported before anything runs. */
export function loadPlan(specFile: string, overrides: readonly string[], flags: PlanFlags): SweepPlan {
  const maxTrials = parseNumberFlag('--max-trials', flags.maxTrials ?? String(DEFAULT_MAX_TRIALS), { integer: true, min: 1 });
  return expandSweep(loadSweepSpec(specFile, { overrides }), { maxTrials });
}
