import { runProgram } from '@iwae-sweep/cli';
import { Command } from 'commander';
import { registerControl } from './commands/control.ts';
import { registerLaunch } from './commands/launch.ts';
import { registerPlan } from './commands/plan.ts';
import { registerPurge } from './commands/purge.ts';
import { registerQuery } from './commands/query.ts';
import { registerReport } from './commands/report.ts';
import { registerResults } from './commands/results.ts';
import { registerRun } from './commands/run.ts';
import { registerServe } from './commands/serve.ts';
import { registerStatus } from './commands/status.ts';
import { registerTrain } from './commands/train.ts';
import { registerWorker } from './commands/worker.ts';

export function buildProgram(): Command {
  const program = new Command('iwae-sweep')
    .description('Sweeps of Importance Weighted Autoencoders: train, run sweeps locally or over Redis, query and report.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerTrain(program);
  registerRun(program);
  registerPlan(program);
  registerStatus(program);
  registerResults(program);
  registerQuery(program);
  registerReport(program);
  registerLaunch(program);
  registerWorker(program);
  registerServe(program);
  registerControl(program);
  registerPurge(program);
  return program;
}

export function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}
