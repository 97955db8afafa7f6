import { Command, CommanderError } from 'commander';
import { registerTrain } from './commands/train.ts';
import { describeError, EXIT, exitCodeFor } from './exit-codes.ts';

export function buildProgram(): Command {
  const program = new Command('iwae-sweep')
    .description('Sweeps of Importance Weighted Autoencoders: train, run sweeps locally or over Redis, query and report.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerTrain(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    // Commander has printed its own usage errors and help already.
    if (!(err instanceof CommanderError)) process.stderr.write(`${describeError(err)}\n`);
    return exitCodeFor(err);
  }
}

const code = await main(process.argv);
// Let stdout drain before exiting; handles left open by libraries must not keep the CLI alive.
process.exitCode = code;
if (code !== EXIT.ok) process.exit(code);
