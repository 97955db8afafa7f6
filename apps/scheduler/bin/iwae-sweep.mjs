#!/usr/bin/env node
// Runs the TypeScript CLI directly: the workspace ships sources, not build output.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli-entry.ts');
