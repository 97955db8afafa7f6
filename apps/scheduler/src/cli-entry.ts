import { exitWith } from '@iwae-sweep/cli';
import { main } from './cli.ts';

// The process entry point (bin/iwae-sweep.mjs); cli.ts only defines the program, so tests can run
// main() in-process.
exitWith(await main(process.argv));
