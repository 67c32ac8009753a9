import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import {
  createKafkaBus,
  createLocalBus,
  createNamespacedBus,
  defaultTopicSpecs,
  partitionForKey,
  TOPICS,
  type Bus,
} from '@sillage/bus'
import { createLogger, createMetricsRegistry, type Registry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createIdentityService, type IdentityService } from './identity-service.js'

/**
 * The batches of several partitions handled at the same time go into `events` as one insert
 * (call-group.ts), on the real local bus and on a real Kafka broker (one fetch's partitions, handed
 * over together), with real chDB: every event is stored once, each partition is committed, and a
 * row ClickHouse refuses in one partition's batch is dead-lettered without holding back the
 * others' rows that shared its insert.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string
  }
}

/** From tests/global-setup.ts; a missing or unreachable broker fails the Kafka cases. */
function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS || inject('kafkaBrokers')
  if (!brokers) throw new Error('KAFKA_BROKERS is not set and tests/global-setup.ts provided no broker')
  return brokers.split(',').map((b) => b.trim())
}

const BUSES: Record<'local' | 'kafka', (dir: string) => Bus> = {
  local: (dir) => createLocalBus({ dir: join(dir, 'bus'), retryBackoff: { initialMs: 50, maxMs: 200 } }),
  kafka: () =>
    createNamespacedBus(
      createKafkaBus({ brokers: kafkaBrokers(), clientId: `grouped-${randomUUID().slice(0, 8)}` }),
      `grouped-${randomUUID().slice(0, 8)}.`,
    ),
}

const log = createLogger({ level: process.env.SILLAGE_TEST_LOG ?? 'silent' })
const PARTITIONS = 4
const NOW = '2026-03-02T10:00:00.000Z'

/** A device key for each partition of events.raw (the bus's partitioner). */
const keys = Array.from({ length: PARTITIONS }, (_, p) => {
  for (let i = 0; ; i++) if (partitionForKey(`device-${i}`, PARTITIONS) === p) return `device-${i}`
})

let dir: string | undefined
let warehouse: Warehouse | undefined
let bus: Bus | undefined
let service: IdentityService | undefined
afterEach(async () => {
  await service?.stop()
  await bus?.close()
  await warehouse?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const event = (messageId: string, key: string, over: Record<string, unknown> = {}) => ({
  key,
  value: Buffer.from(
    JSON.stringify({
      type: 'track',
      event: 'Product Viewed',
      messageId,
      anonymousId: key,
      timestamp: NOW,
      receivedAt: NOW,
      sourceId: 'test',
      context: {},
      properties: {},
      ...over,
    }),
  ),
})

/** The events of every partition on the bus first, then identity started: they are handled together. */
async function run(
  kind: keyof typeof BUSES,
  records: ReturnType<typeof event>[],
): Promise<{ registry: Registry; wh: Warehouse }> {
  dir = mkdtempSync(join(tmpdir(), 'sillage-grouped-'))
  const wh = (warehouse = createWarehouse({ database: 'grouped_test', dataDir: dir }))
  await migrate(wh)
  const b = (bus = BUSES[kind](dir))
  await b.ensureTopics(defaultTopicSpecs(PARTITIONS))
  await b.produce(TOPICS.raw, records)
  const registry = createMetricsRegistry()
  service = createIdentityService({ bus: b, warehouse: wh, log, registry })
  await service.start()
  await vi.waitFor(
    async () => {
      const offsets = await b.offsets(TOPICS.raw, 'identity')
      if (!offsets.every((p) => p.committed === p.end)) throw new Error('not every partition committed yet')
    },
    { timeout: 30_000, interval: 100 },
  )
  return { registry, wh }
}

async function storedCounts(wh: Warehouse): Promise<Map<string, number>> {
  const rs = await wh.client.query({
    query: 'SELECT message_id, count() FROM grouped_test.events GROUP BY message_id',
    format: 'JSONCompactEachRow',
  })
  return new Map((await rs.json<[string, string]>()).map(([id, n]) => [id, Number(n)]))
}

/** How many inserts stored the events: `inserted_at` is set once per insert (now64). */
async function insertTimes(wh: Warehouse): Promise<number> {
  const rs = await wh.client.query({
    query: 'SELECT uniqExact(inserted_at) AS n FROM grouped_test.events',
    format: 'JSONEachRow',
  })
  return Number((await rs.json<{ n: string }>())[0]?.n)
}

/** The `insert` histogram: how many inserts, serving how many batches in all. */
async function inserts(registry: Registry): Promise<{ calls: number; batches: number }> {
  const text = await registry.metrics()
  const value = (name: string) =>
    Number(new RegExp(`^${name}\\{call="insert"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
  return {
    calls: value('sillage_identity_grouped_batches_count'),
    batches: value('sillage_identity_grouped_batches_sum'),
  }
}

describe.each(Object.keys(BUSES) as Array<keyof typeof BUSES>)(
  'grouped inserts into events, %s bus',
  (kind) => {
    it('stores the batches of every partition once, in fewer inserts than batches', async () => {
      const records = keys.flatMap((key, p) =>
        Array.from({ length: 25 }, (_, i) => event(`e-${p}-${i}`, key)),
      )
      const { registry, wh } = await run(kind, records)
      const stored = await storedCounts(wh)
      expect(stored.size).toBe(records.length)
      expect([...stored.values()].every((n) => n === 1)).toBe(true)
      const { calls, batches } = await inserts(registry)
      expect(batches).toBe(PARTITIONS)
      expect(calls).toBeLessThan(batches)
      expect(await insertTimes(wh)).toBe(calls)
    })

    it("dead-letters a refused row of one partition and stores the other partitions' rows of its insert", async () => {
      const records = keys.flatMap((key, p) => [
        ...(p === 0 ? [event('poison', key, { timestamp: 'the day before yesterday' })] : []),
        ...Array.from({ length: 10 }, (_, i) => event(`g-${p}-${i}`, key)),
      ])
      const { registry, wh } = await run(kind, records)
      const stored = await storedCounts(wh)
      expect(stored.has('poison')).toBe(false)
      expect(stored.size).toBe(records.length - 1)
      expect([...stored.values()].every((n) => n === 1)).toBe(true)
      const letters = (await bus!.offsets(TOPICS.invalid, 'nobody'))[0]!
      expect(letters.end - letters.start).toBe(1)
      expect((await inserts(registry)).calls).toBeLessThan(PARTITIONS)
    })
  },
)
