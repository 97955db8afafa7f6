import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // Separate processes: each test file loads its own tfjs backend and may spawn or kill children.
    pool: 'forks',
    // End-to-end tests train real models and kill real processes on two cores: give them room;
    // each wait inside them has its own, tighter limit with a message.
    testTimeout: 240_000,
    hookTimeout: 60_000,
    // Two cores: more parallel files would only make training-heavy tests slower.
    maxWorkers: 2,
  },
});
