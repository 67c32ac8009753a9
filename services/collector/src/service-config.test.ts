import { describe, expect, it } from 'vitest'
import { ConfigError } from '@sillage/runtime'
import { loadCollectorServiceConfig } from './config.js'

const SOURCES = JSON.stringify([{ id: 'backend', writeKey: 'sk_server_456', type: 'server' }])

const problems = (fn: () => unknown): string[] => {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

describe('standalone collector configuration (main.ts)', () => {
  it('runs on Kafka with the sources given, and the default backpressure bound', () => {
    const config = loadCollectorServiceConfig({ KAFKA_BROKERS: 'k:9092', SILLAGE_SOURCES: SOURCES })
    expect(config.bus).toMatchObject({ kind: 'kafka', kafkaBrokers: ['k:9092'], topicPrefix: '' })
    expect(config.collector.sources.map((s) => s.id)).toEqual(['backend'])
    expect(config.collector).toMatchObject({ maxInflightEvents: 50_000, maxInflightBytes: 64 * 1024 * 1024 })
    expect(config.shutdownTimeoutMs).toBe(30_000)
  })

  it('reports every problem at once: no sources, no brokers, a bound that is not a number', () => {
    expect(problems(() => loadCollectorServiceConfig({ SILLAGE_MAX_INFLIGHT_EVENTS: 'many' }))).toEqual([
      expect.stringMatching(/^SILLAGE_MAX_INFLIGHT_EVENTS: /),
      'SILLAGE_SOURCES or SILLAGE_SOURCES_FILE: required by the standalone collector',
      'KAFKA_BROKERS: required when SILLAGE_BUS=kafka',
    ])
  })

  it('refuses the local bus, which belongs to one process', () => {
    expect(
      problems(() =>
        loadCollectorServiceConfig({
          SILLAGE_BUS: 'local',
          KAFKA_BROKERS: 'k:9092',
          SILLAGE_SOURCES: SOURCES,
        }),
      ),
    ).toEqual([expect.stringMatching(/^SILLAGE_BUS: must be kafka here/)])
  })
})
