// Runs every test (unit, integration against real Kafka and chDB, end to end) and prints a
// closing line "tests: N passed, N failed". Called by `pnpm test:all` after install and build.
// The Kafka broker is started by tests/global-setup.ts when KAFKA_BROKERS is not set.
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'

const report = new URL('../.cache/test-results.json', import.meta.url).pathname
rmSync(report, { force: true })
const vitest = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
  ],
  { stdio: 'inherit' },
)
let summary
try {
  summary = JSON.parse(readFileSync(report, 'utf8'))
} catch {
  console.error('no test report was written')
  process.exit(vitest.status || 1)
}
const passed = summary.numPassedTests
const failed = summary.numFailedTests + (summary.numRuntimeErrorTestSuites ?? 0)
console.log(`\ntests: ${passed} passed, ${failed} failed`)
process.exit(vitest.status !== 0 || failed > 0 || passed === 0 ? 1 : 0)
