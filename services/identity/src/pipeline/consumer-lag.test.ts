import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { consumeToEnd, createLocalBus, type Bus } from '@sillage/bus'
import { createMetricsRegistry } from '@sillage/runtime'
import { registerConsumerLag } from './consumer-lag.js'

let dir: string
let bus: Bus
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-lag-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics([{ name: 'raw', partitions: 2 }])
})
afterEach(async () => {
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

const lagLines = async (registry: ReturnType<typeof createMetricsRegistry>) =>
  (await registry.metrics()).split('\n').filter((l) => l.startsWith('sillage_identity_consumer_lag{'))

describe('sillage_identity_consumer_lag', () => {
  it('reports per partition what the group has not committed, read at scrape time', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false })
    registerConsumerLag(registry, [
      { topic: 'raw', group: 'identity', offsets: () => bus.offsets('raw', 'identity') },
    ])
    await bus.produce(
      'raw',
      Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(String(i)) })),
    )
    const before = await lagLines(registry)
    expect(before).toHaveLength(2)
    const total = before.reduce((n, l) => n + Number(l.split(' ').at(-1)), 0)
    expect(total).toBe(6)
    expect(before[0]).toMatch(
      /^sillage_identity_consumer_lag\{topic="raw",group="identity",partition="0"\} \d+$/,
    )

    await consumeToEnd(bus, { topic: 'raw', group: 'identity', eachBatch: async () => {} })
    expect((await lagLines(registry)).map((l) => l.split(' ').at(-1))).toEqual(['0', '0'])
  })

  it('leaves the series out, and the scrape working, when the bus cannot answer', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false })
    registerConsumerLag(registry, [
      { topic: 'raw', group: 'identity', offsets: () => Promise.reject(new Error('Kafka unreachable')) },
    ])
    expect(await lagLines(registry)).toEqual([])
  })
})
