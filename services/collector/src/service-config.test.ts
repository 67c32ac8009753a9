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

describe('sources from the environment, hostile values', () => {
  const env = { KAFKA_BROKERS: 'k:9092' }

  it('refuses SILLAGE_SOURCES that is not JSON without echoing it (it holds write keys)', () => {
    const found = problems(() =>
      loadCollectorServiceConfig({ ...env, SILLAGE_SOURCES: '[{"writeKey":"sk_secret_123",}]' }),
    )
    expect(found).toEqual([
      expect.stringMatching(/^SILLAGE_SOURCES: not valid JSON( \(at character \d+\))?$/),
    ])
    expect(found.join()).not.toContain('sk_secret')
  })

  it('refuses an unreadable SILLAGE_SOURCES_FILE with a configuration error, not a raw ENOENT', () => {
    expect(
      problems(() =>
        loadCollectorServiceConfig({ ...env, SILLAGE_SOURCES_FILE: '/nonexistent/sources.json' }),
      ),
    ).toEqual(['SILLAGE_SOURCES_FILE: cannot read "/nonexistent/sources.json" (ENOENT)'])
  })

  it('refuses two sources with the same id or write key', () => {
    const twice = JSON.stringify([
      { id: 'a', writeKey: 'sk_server_456', type: 'server' },
      { id: 'a', writeKey: 'sk_server_456', type: 'server' },
    ])
    expect(
      problems(() => loadCollectorServiceConfig({ ...env, SILLAGE_SOURCES: twice })).length,
    ).toBeGreaterThan(0)
  })
})
