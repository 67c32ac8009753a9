/**
 * The standalone profiles service (services/profiles/dist/main.js) creates its topics at start,
 * as the other standalone services do: started first, on a fresh namespace (SILLAGE_TOPIC_PREFIX)
 * of a real broker, it becomes ready and every Sillage topic exists, with its partitions and its
 * compaction, without waiting for another service to create them.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultTopicSpecs } from '@sillage/bus'
import { kafkaBrokers, newNamespace } from './helpers/kafka-pipeline.js'
import { freePort, repoRoot, tempDir, waitFor } from './helpers/pipeline.js'

const cleanup: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn()
})

describe('the standalone profiles service on a fresh namespace', () => {
  it('creates every topic at start, then becomes ready', async () => {
    const brokers = kafkaBrokers()
    const ns = newNamespace('profiles-topics')
    const dataDir = tempDir('sillage-profiles-topics-')
    cleanup.push(() => dataDir.remove())
    const [port, metricsPort] = [await freePort(), await freePort()]
    const proc = spawn(process.execPath, [join(repoRoot, 'services/profiles/dist/main.js')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        CLICKHOUSE_URL: '',
        SILLAGE_LOG_LEVEL: 'warn',
        KAFKA_BROKERS: brokers,
        SILLAGE_TOPIC_PREFIX: ns,
        SILLAGE_RAW_PARTITIONS: '3',
        SILLAGE_DATA_DIR: dataDir.path,
        SILLAGE_PROFILES_PORT: String(port),
        SILLAGE_METRICS_PORT: String(metricsPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    cleanup.push(async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
      await exited
    })
    // An exit ends the wait at once (waitFor would retry a throw until its deadline).
    const state = await waitFor(
      async () =>
        proc.exitCode !== null ? 'exited' : (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok,
      { timeoutMs: 45_000, what: 'the profiles service to be ready' },
    )
    expect(state, `profiles exited (${proc.exitCode}):\n${out}`).toBe(true)

    const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    cleanup.push(() => admin.disconnect())
    const specs = defaultTopicSpecs(3)
    const names = specs.map((s) => `${ns}${s.name}`)
    expect((await admin.listTopics()).filter((t) => t.startsWith(ns)).sort()).toEqual([...names].sort())
    const { topics } = await admin.fetchTopicMetadata({ topics: names })
    for (const spec of specs) {
      const topic = topics.find((t) => t.name === `${ns}${spec.name}`)
      expect(topic?.partitions, spec.name).toHaveLength(spec.partitions)
    }
    const { resources } = await admin.describeConfigs({
      resources: [{ type: 2, name: `${ns}privacy.suppressions`, configNames: ['cleanup.policy'] }],
      includeSynonyms: false,
    })
    expect(resources[0]?.configEntries[0]?.configValue).toBe('compact')
  })
})
