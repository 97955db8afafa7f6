import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Node flags that let a child process load our TypeScript sources (the workspace ships no build
 * output). Resolved to tsx's own loader file, so children do not depend on the working directory.
 */
export function tsxExecArgv(): string[] {
  const loader = createRequire(import.meta.url).resolve('tsx');
  return ['--import', pathToFileURL(loader).href];
}
