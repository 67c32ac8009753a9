import { describe, expect, it } from 'vitest'
import { ConfigError } from '@sillage/runtime'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadCollectorServiceConfig, parseTrustProxy } from './config.js'

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

  it('refuses SILLAGE_SOURCES and SILLAGE_SOURCES_FILE both set, naming both (neither silently wins)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sillage-sources-'))
    try {
      const file = join(dir, 'sources.json')
      writeFileSync(file, SOURCES)
      expect(
        problems(() =>
          loadCollectorServiceConfig({ ...env, SILLAGE_SOURCES: SOURCES, SILLAGE_SOURCES_FILE: file }),
        ),
      ).toEqual([
        'SILLAGE_SOURCES and SILLAGE_SOURCES_FILE: both are set; keep one (SILLAGE_SOURCES holds the JSON itself, SILLAGE_SOURCES_FILE names a file)',
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses write keys still holding the placeholder REPLACE_ME (sources.example.json), without printing them', () => {
    const example = JSON.stringify([
      { id: 'web', writeKey: 'wk_REPLACE_ME_browser_key', type: 'browser' },
      {
        id: 'backend',
        writeKey: 'sk_real_server_key_123',
        type: 'server',
        previousWriteKeys: [{ writeKey: 'sk_REPLACE_ME_old', expiresAt: '2030-01-01T00:00:00Z' }],
      },
    ])
    const found = problems(() => loadCollectorServiceConfig({ ...env, SILLAGE_SOURCES: example }))
    expect(found).toEqual([
      'SILLAGE_SOURCES[0.writeKey]: source "web" still has the placeholder REPLACE_ME; set a real write key (e.g. `openssl rand -hex 24`)',
      'SILLAGE_SOURCES[1.previousWriteKeys.0.writeKey]: source "backend" still has the placeholder REPLACE_ME; set a real write key (e.g. `openssl rand -hex 24`)',
    ])
    expect(found.join()).not.toMatch(/wk_REPLACE|sk_REPLACE/)
  })
})

describe('SILLAGE_TRUST_PROXY', () => {
  it.each(['true', 'TRUE', 'on', 'yes', '1'])('reads %j as true', (v) =>
    expect(parseTrustProxy(v)).toBe(true),
  )
  it.each(['false', 'False', 'off', 'no', '0'])('reads %j as false', (v) =>
    expect(parseTrustProxy(v)).toBe(false),
  )
  it('reads anything else as a list of addresses', () => {
    expect(parseTrustProxy('10.0.0.1, 172.28.0.0/24')).toEqual(['10.0.0.1', '172.28.0.0/24'])
  })
})
