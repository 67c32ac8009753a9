/**
 * vitest globalSetup: gives integration tests a real Kafka broker.
 *
 * - KAFKA_BROKERS set: used as is (your broker, or CI's); nothing is started or stopped.
 * - Otherwise, when the run includes integration tests (`*.int.test.ts`, or files under tests/):
 *   a running local broker (`pnpm kafka:start`, or another test run's) is reused; if none runs, one
 *   is started on a wiped data dir (.cache/kafka/data, or KAFKA_DATA_DIR). Each run holds a lease;
 *   the last run to finish stops a broker that a test run started, never one you started.
 * - A run of unit tests only starts nothing.
 *
 * Tests read the address with `inject('kafkaBrokers')` or process.env.KAFKA_BROKERS, and fail, not
 * skip, when it is missing or unreachable.
 */
import { relative } from 'node:path'
import type { TestProject } from 'vitest/node'
import { leaseKafka } from '../scripts/kafka-broker.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated `host:port` list, as in KAFKA_BROKERS; empty when no broker was needed. */
    kafkaBrokers: string
  }
}

const needsBroker = (file: string): boolean => /\.int\.test\.ts$/.test(file) || file.startsWith('tests/')

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let release = async (): Promise<void> => {}
  let brokers = process.env.KAFKA_BROKERS ?? ''
  if (!brokers && (await runIncludesIntegrationTests(project))) {
    const lease = await leaseKafka({ fresh: true })
    brokers = lease.brokers
    process.env.KAFKA_BROKERS = brokers
    release = async () => {
      await lease.release()
    }
  }
  project.provide('kafkaBrokers', brokers)
  return release
}

/** The CLI file filters (`vitest run packages/bus`) are vitest-internal; without them, assume all. */
async function runIncludesIntegrationTests(project: TestProject): Promise<boolean> {
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern
  const { testFiles } = await project.globTestFiles(filters)
  return testFiles.some((file) => needsBroker(relative(project.config.root, file)))
}
