import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createKafkaBus, createNamespacedBus, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry, type Registry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { enrich, generateShop, partitionKeyOf } from '@sillage/testkit/identity'
import { createIdentityService, type IdentityService } from './identity-service.js'

/**
 * Determinism against real Kafka and chDB: the same generated event log, processed once by one
 * identity instance and once by three instances in one consumer group (each with its own Kafka
 * clients, its changelog view and a resolver member; only one resolver is active), gives the
 * same person for every event in events_resolved, and that is the generator's ground truth.
 * The instances run in this process and share one chDB (one data dir per process), each run in
 * its own database and its own topic namespace.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string
  }
}

function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS || inject('kafkaBrokers')
  if (!brokers) throw new Error('KAFKA_BROKERS is not set and tests/global-setup.ts provided no broker')
  return brokers.split(',').map((b) => b.trim())
}

/** Polls until `check` returns a value; never sleeps blindly. */
async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const PARTITIONS = 6
const shop = generateShop({ seed: 7, shoppers: 500 })
const log = createLogger({ level: process.env.SILLAGE_TEST_LOG ?? 'silent' })

describe('identity on Kafka: one instance and three instances give the same persons', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sillage-identity-int-'))
  const warehouse = createWarehouse({ database: 'ident_one', dataDir })
  const three: Warehouse = { ...warehouse, database: 'ident_three', close: async () => {} }
  const buses: Bus[] = []
  const services: IdentityService[] = []

  const newBus = (namespace: string): Bus => {
    const bus = createNamespacedBus(
      createKafkaBus({
        brokers: kafkaBrokers(),
        clientId: `identity-int-${randomUUID().slice(0, 8)}`,
        sessionTimeoutMs: 6_000,
      }),
      namespace,
    )
    buses.push(bus)
    return bus
  }

  const count = async (wh: Warehouse, sql: string): Promise<number> => {
    const rs = await wh.client.query({ query: sql.replaceAll('DB', wh.database), format: 'JSONEachRow' })
    const [row] = await rs.json<{ n: string }>()
    return Number(row?.n ?? 0)
  }

  /**
   * Starts `instances` services, then produces the whole log (so that partitions change hands
   * while it is consumed), and waits until every event is stored and every edge decided.
   * Returns message_id → person_id from events_resolved, and the events each instance stored.
   */
  async function runPipeline(
    wh: Warehouse,
    instances: number,
  ): Promise<{ persons: Map<string, string>; perInstance: number[] }> {
    const namespace = `t-identity-${instances}-${randomUUID().slice(0, 8)}.`
    const producer = newBus(namespace)
    await producer.ensureTopics(defaultTopicSpecs(PARTITIONS))
    const mine: IdentityService[] = []
    const registries: Registry[] = []
    for (let i = 0; i < instances; i++) {
      const registry = createMetricsRegistry({ defaultMetrics: false })
      const service = createIdentityService({
        bus: newBus(namespace),
        warehouse: wh,
        log,
        registry,
        maxBatchRecords: 500,
      })
      services.push(service)
      mine.push(service)
      registries.push(registry)
      await service.start()
    }
    const messages = shop.events.map(({ event }) => ({
      key: partitionKeyOf(event),
      value: Buffer.from(JSON.stringify(enrich(event))),
    }))
    for (let i = 0; i < messages.length; i += 500)
      await producer.produce(TOPICS.raw, messages.slice(i, i + 500))
    await waitFor(
      async () =>
        (await count(wh, 'SELECT count() AS n FROM DB.events')) === shop.events.length ? true : undefined,
      `${shop.events.length} events in ${wh.database}`,
    )
    // Every stored event's edges were produced before its insert: one barrier covers them all.
    await mine[0]!.sync()
    const rs = await wh.client.query({
      query: `SELECT message_id, person_id FROM ${wh.database}.events_resolved`,
      format: 'JSONCompactEachRow',
    })
    const persons = new Map(await rs.json<[string, string]>())
    const perInstance = await Promise.all(
      registries.map(async (r) => {
        const metric = await r.getSingleMetric('sillage_identity_events_inserted_total')?.get()
        return metric?.values[0]?.value ?? 0
      }),
    )
    // The graph's size is in the metrics; after its sync, instance 0's view is complete.
    const size = await registries[0]!.getSingleMetric('sillage_identity_graph_size')?.get()
    const identifiers = size?.values.find((v) => v.labels['kind'] === 'identifiers')?.value
    expect(identifiers).toBe(mine[0]!.stats().identifiers)
    expect(identifiers).toBeGreaterThan(0)
    for (const s of mine) await s.stop()
    return { persons, perInstance }
  }

  let one: Map<string, string>
  let threeResult: Map<string, string>

  beforeAll(async () => {
    await migrate(warehouse)
    await migrate(three)
  }, 120_000)

  afterAll(async () => {
    for (const s of services) await s.stop().catch(() => {})
    for (const b of buses) await b.close().catch(() => {})
    await warehouse.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('one instance: events_resolved matches the ground truth', async () => {
    one = (await runPipeline(warehouse, 1)).persons
    expect(one.size).toBe(shop.events.length)
    const groupOf = new Map<string, Set<string>>()
    const personOf = new Map<string, Set<string>>()
    for (const { event, truth } of shop.events) {
      const person = one.get(event.messageId)!
      ;(groupOf.get(person) ?? groupOf.set(person, new Set()).get(person)!).add(truth.expected)
      ;(personOf.get(truth.expected) ?? personOf.set(truth.expected, new Set()).get(truth.expected)!).add(
        person,
      )
    }
    expect([...groupOf.values()].filter((g) => g.size > 1)).toEqual([])
    expect([...personOf.values()].filter((p) => p.size > 1)).toEqual([])
  }, 180_000)

  it('three instances in one consumer group: the same person for every event', async () => {
    const run = await runPipeline(three, 3)
    threeResult = run.persons
    // The partitions were shared: more than one instance stored events.
    expect(run.perInstance.filter((n) => n > 0).length).toBeGreaterThan(1)
    let differ = 0
    for (const [messageId, person] of one) if (threeResult.get(messageId) !== person) differ++
    expect(differ).toBe(0)
  }, 180_000)

  it('keeps the audit, the identities (emails hashed) and one persons row per resolved person', async () => {
    for (const wh of [warehouse, three]) {
      expect(
        await count(wh, "SELECT count() AS n FROM DB.identity_merges WHERE reason = 'shared_device'"),
      ).toBeGreaterThan(0)
      expect(
        await count(
          wh,
          "SELECT count() AS n FROM DB.identities WHERE id_type = 'email' AND position(id_value, '@') > 0",
        ),
      ).toBe(0)
      expect(
        await count(wh, "SELECT count() AS n FROM DB.events WHERE position(traits, '@example.com') > 0"),
      ).toBe(0)
      const persons = await count(wh, 'SELECT count() AS n FROM DB.persons')
      expect(persons).toBe(new Set(one.values()).size)
    }
  })
})
