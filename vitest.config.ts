import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests import the workspace packages from their sources (the `sillage-src` export condition),
  // never a stale dist/. Vitest runs in Node through the SSR resolver, so the condition is set there.
  resolve: { conditions: ['sillage-src'] },
  ssr: { resolve: { conditions: ['sillage-src'] } },
  test: {
    include: ['**/src/**/*.test.ts', 'tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
