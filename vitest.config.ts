import { defineConfig } from 'vitest/config'

/** Files that start real parts (chDB, a local log, Kafka, Chromium, servers). */
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
        // Real chDB, brokers, browsers and timings, after the units: two files at a time, each
        // worker one process (isolate: false) running its files one after the other. A fresh
        // process per file re-loaded fastify, chDB, kafkajs and the sources for each of the ~120
        // files (~1.5 s each). Most of a file's time is waiting (a broker, a browser, a timer), so
        // two workers took the whole run from 1,043 s to 750 s (2026-12-07). Each file opens and
        // closes what it uses, on its own ports, data dirs and topics.
        extends: true,
        test: {
          name: 'integration',
          include: INTEGRATION,
          maxWorkers: 2,
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
