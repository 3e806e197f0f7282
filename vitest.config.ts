// Test runner setup: two workers (the CI machines have two cores), one moto server per
// worker started by test/global-setup.ts, and generous timeouts for emulator round trips.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    // CLI end-to-end files run the built binary many times; they set their own longer timeouts.
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
