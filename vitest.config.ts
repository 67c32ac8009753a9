import { defineConfig } from 'vitest/config'

/** Files that start real parts (chDB, a local log, Kafka, Chromium, servers): one at a time. */
const INTEGRATION = ['**/src/**/*.int.test.ts', '**/src/**/*.e2e.test.ts', 'tests/**/*.test.ts']

export default defineConfig({
  // Tests import the workspace packages from their sources (the `sillage-src` export condition),
  // never a stale dist/. Vitest runs in Node through the SSR resolver, so the condition is set there.
  resolve: { conditions: ['sillage-src'] },
  ssr: { resolve: { conditions: ['sillage-src'] } },
  test: {
    globalSetup: ['tests/global-setup.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        // Pure logic: on every core (vitest would give 2 cores one worker), first.
        extends: true,
        test: {
          name: 'unit',
          include: ['**/src/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**', ...INTEGRATION],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Real chDB, brokers, browsers and timings: one file at a time, after the units. In one
        // process (isolate: false): a fresh process per file re-loaded fastify, chDB, kafkajs and
        // the sources for each of the ~120 files (~1.5 s each); the whole project ran in 835 s
        // instead of ~1,000 (2026-12-07). Each file still opens and closes what it uses.
        extends: true,
        test: {
          name: 'integration',
          include: INTEGRATION,
          maxWorkers: 1,
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
