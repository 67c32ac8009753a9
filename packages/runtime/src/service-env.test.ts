import { describe, expect, it } from 'vitest'
import { ConfigError } from './env.js'
import { collectConfig, loadBusConfig, loadWarehouseConfig, portClashes } from './service-env.js'

const problems = (fn: () => unknown): string[] => {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

describe('bus configuration', () => {
  it('defaults to the local bus, with no prefix, 4 raw partitions and a 10 s produce deadline', () => {
    expect(loadBusConfig({})).toEqual({
      kind: 'local',
      kafkaBrokers: [],
      topicPrefix: '',
      rawPartitions: 4,
      produceTimeoutMs: 10_000,
      sessionTimeoutMs: 30_000,
    })
  })

  it('parses brokers, prefix and timeouts, and freezes the result', () => {
    const config = loadBusConfig({
      SILLAGE_BUS: 'kafka',
      KAFKA_BROKERS: ' a:9092, b:9093 ,',
      SILLAGE_TOPIC_PREFIX: 'staging.',
      SILLAGE_PRODUCE_TIMEOUT_MS: '2500',
      SILLAGE_KAFKA_SESSION_TIMEOUT_MS: '6000',
    })
    expect(config).toMatchObject({
      kind: 'kafka',
      kafkaBrokers: ['a:9092', 'b:9093'],
      topicPrefix: 'staging.',
      produceTimeoutMs: 2500,
      sessionTimeoutMs: 6000,
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('for the standalone services: kafka by default, local refused, brokers required', () => {
    const kafkaOnly = { kafkaOnly: 'one process' }
    expect(loadBusConfig({ KAFKA_BROKERS: 'k:9092' }, kafkaOnly).kind).toBe('kafka')
    expect(
      problems(() => loadBusConfig({ SILLAGE_BUS: 'local', KAFKA_BROKERS: 'k:9092' }, kafkaOnly)),
    ).toEqual(['SILLAGE_BUS: must be kafka here (one process)'])
    expect(problems(() => loadBusConfig({}, kafkaOnly))).toEqual([
      'KAFKA_BROKERS: required when SILLAGE_BUS=kafka',
    ])
  })

  it('refuses a broker that is not host:port, a bad prefix and a session timeout under the broker minimum', () => {
    expect(problems(() => loadBusConfig({ SILLAGE_BUS: 'kafka', KAFKA_BROKERS: 'k' }))).toEqual([
      'KAFKA_BROKERS: "k" is not host:port (port 1 to 65535)',
    ])
    for (const broker of ['k:0', 'k:99999', 'k:-1'])
      expect(problems(() => loadBusConfig({ SILLAGE_BUS: 'kafka', KAFKA_BROKERS: broker }))).toEqual([
        `KAFKA_BROKERS: "${broker}" is not host:port (port 1 to 65535)`,
      ])
    expect(
      problems(() =>
        loadBusConfig({ SILLAGE_TOPIC_PREFIX: 'a b', SILLAGE_KAFKA_SESSION_TIMEOUT_MS: '1000' }),
      ),
    ).toHaveLength(2)
  })
})

describe('collectConfig', () => {
  it('reports the problems of every fragment at once', () => {
    const env = { SILLAGE_BUS: 'kafka', CLICKHOUSE_DATABASE: 'no-dashes' }
    const found = problems(() =>
      collectConfig(
        () => loadBusConfig(env),
        () => loadWarehouseConfig(env),
      ),
    )
    expect(found).toEqual([
      'KAFKA_BROKERS: required when SILLAGE_BUS=kafka',
      expect.stringMatching(/^CLICKHOUSE_DATABASE: /),
    ])
  })

  it('returns each fragment when all are valid', () => {
    const [bus, warehouse] = collectConfig(
      () => loadBusConfig({}),
      () => loadWarehouseConfig({ SILLAGE_DATA_DIR: '/tmp/x' }),
    )
    expect(bus.kind).toBe('local')
    expect(warehouse).toEqual({
      dataDir: '/tmp/x',
      clickhouse: expect.objectContaining({ database: 'sillage' }),
    })
  })
})

describe('portClashes', () => {
  it.each([
    [{ A: 8080, B: 8080 }, ['B: must differ from A (both are 8080)']],
    [{ A: 8080, B: 8081, C: 8080 }, ['C: must differ from A (both are 8080)']],
    [{ A: 0, B: 0 }, []],
    [{ A: 8080, B: undefined }, []],
  ])('%j', (ports, expected) => {
    expect(portClashes(ports)).toEqual(expected)
  })
})
