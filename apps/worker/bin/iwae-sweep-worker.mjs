#!/usr/bin/env node
// Runs the TypeScript worker directly: the workspace ships sources, not build output.
import { register } from 'tsx/esm/api';

register();
await import('../src/worker-cli.ts');
