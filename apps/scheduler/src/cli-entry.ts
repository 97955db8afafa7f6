import { main } from './cli.ts';
import { EXIT } from './exit-codes.ts';

// The process entry point (bin/iwae-sweep.mjs); cli.ts only defines the program, so tests can run
// main() in-process.
const code = await main(process.argv);
// A command may have set its own status (e.g. failed trials); errors win.
const status = code !== EXIT.ok ? code : typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
// Exit explicitly: handles left open by libraries (wasm runtime, sockets) must not keep the CLI alive.
process.stdout.write('', () => process.exit(status));
