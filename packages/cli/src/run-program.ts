import { type Command, CommanderError } from 'commander';
import { describeError, EXIT, exitCodeFor } from './exit-codes.ts';
import { terminalSafe } from './terminal-safe.ts';

/** Runs a command line in-process and returns its exit status (tests call it without exiting). */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    // Commander has printed its own usage errors and help already.
    // Messages echo what the user (or a file, or the DB) gave: no control character reaches the terminal raw.
    if (!(err instanceof CommanderError)) process.stderr.write(`${terminalSafe(describeError(err), { keepNewlines: true })}\n`);
    return exitCodeFor(err);
  }
}

/** A bin's last step: exits with `code`, or the status a command set itself (e.g. failed trials). */
export function exitWith(code: number): void {
  // Errors win over a status the command set.
  const status = code !== EXIT.ok ? code : typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  // Exit explicitly: handles left open by libraries (wasm runtime, sockets) must not keep the CLI alive.
  process.stdout.write('', () => process.exit(status));
}
