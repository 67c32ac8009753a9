import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['sillage-src'] },
  test: {
    include: ['**/src/**/*.test.ts', 'tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
