import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import { createIdentityRules } from '@sillage/identifiers'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { enrich, generateShop, partitionKeyOf } from '@sillage/testkit/identity'
import { createIdentityWorker } from './identity-worker.js'
import { createIdentityStack } from './stack.js'

/**
 * Identity in a worker thread (`sillage start` with SILLAGE_IDENTITY_WORKER) lands the same rows as
 * identity in the bus's own thread: the same generated log, with every tenth event sent twice
 * (deduplication), through a local bus each, into two databases of the one chDB of this process.
 * The worker's metrics are served through the owner's registry, and its stored rows reach onStored.
 */

async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

const shop = generateShop({ seed: 11, shoppers: 300 })
const log = createLogger({ level: process.env.SILLAGE_TEST_LOG ?? 'silent' })
const rules = createIdentityRules()

describe('identity in a worker thread', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sillage-identity-worker-'))
  const reference = createWarehouse({ database: 'ref_thread', dataDir })
  const workerDb: Warehouse = { ...reference, database: 'ref_worker', close: async () => {} }
  const buses: Bus[] = []

  const rows = async (wh: Warehouse, columns: string, table: string) => {
    const rs = await wh.client.query({
      query: `SELECT ${columns} FROM ${wh.database}.${table} ORDER BY message_id`,
      format: 'JSONEachRow',
    })
    return rs.json<Record<string, unknown>>()
  }
  const count = async (wh: Warehouse) => {
    const rs = await wh.client.query({
      query: `SELECT count() AS n FROM ${wh.database}.events`,
      format: 'JSONEachRow',
    })
    return Number((await rs.json<{ n: string }>())[0]?.n ?? 0)
  }

  async function produceLog(name: string): Promise<Bus> {
    const bus = createLocalBus({ dir: join(dataDir, name) })
    buses.push(bus)
    await bus.ensureTopics(defaultTopicSpecs(4))
    const messages = shop.events.flatMap(({ event }, i) => {
      const m = { key: partitionKeyOf(event), value: Buffer.from(JSON.stringify(enrich(event))) }
      return i % 10 === 0 ? [m, m] : [m]
    })
    for (let i = 0; i < messages.length; i += 500) await bus.produce(TOPICS.raw, messages.slice(i, i + 500))
    return bus
  }

  beforeAll(async () => {
    await migrate(reference)
    await migrate(workerDb)
  }, 120_000)

  afterAll(async () => {
    for (const b of buses) await b.close().catch(() => {})
    await reference.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('stores the same events, persons and identities as identity in one thread', async () => {
    const expected = shop.events.length

    const refBus = await produceLog('bus-thread')
    const inThread = createIdentityStack({
      bus: refBus,
      warehouse: reference,
      log,
      registry: createMetricsRegistry({ defaultMetrics: false }),
      rules,
      maxBatchRecords: 500,
    })
    await inThread.start()
    await waitFor(async () => ((await count(reference)) === expected ? true : undefined), 'reference rows')

    const bus = await produceLog('bus-worker')
    const registry = createMetricsRegistry({ defaultMetrics: false })
    const stored: string[] = []
    const worker = createIdentityWorker({
      bus,
      warehouse: { database: workerDb.database, dataDir },
      log,
      registry,
      rules,
      logLevel: 'silent',
      suppressionGroupPrefix: 'worker.suppressions',
      maxBatchRecords: 500,
      onStored: (r) => stored.push(...r.map((x) => x.message_id)),
      onCrash: (err) => {
        throw err
      },
    })
    await worker.start()
    await waitFor(async () => ((await count(workerDb)) === expected ? true : undefined), 'worker rows')
    // The worker's metrics are on the owner's /metrics. The counter moves after the insert
    // returns, so the last batch's rows can be visible a moment before it is counted.
    const inserted = new RegExp(`sillage_identity_events_inserted_total ${expected}\\b`)
    await waitFor(async () => (inserted.test(await registry.metrics()) ? true : undefined), 'worker metrics')
    expect(await registry.metrics()).toMatch(inserted)
    // Every edge decided (overrides written before the resolver commits), in both runs.
    const decided = async (b: Bus) =>
      (await b.offsets(TOPICS.edges, 'identity.resolver')).every((p) => (p.committed ?? p.start) === p.end)
    await waitFor(
      async () => ((await decided(refBus)) && (await decided(bus)) ? true : undefined),
      'edges decided',
    )
    await worker.stop()
    await inThread.stop()

    // Offsets were committed by the owner's group consumer, for the worker's group.
    const committed = (await bus.offsets(TOPICS.raw, 'identity')).reduce((a, p) => a + (p.committed ?? 0), 0)
    expect(committed).toBe((await bus.offsets(TOPICS.raw)).reduce((a, p) => a + p.end, 0))
    expect(new Set(stored).size).toBe(expected)

    // Every column but the insert time and the stamped person (what identity knew at ingest depends
    // on when the resolver's decisions reached the view, in one thread as in two); the resolved
    // person is the guarantee (docs/identity.md).
    const columns = '* EXCEPT (inserted_at, person_id)'
    expect(await rows(workerDb, columns, 'events')).toEqual(await rows(reference, columns, 'events'))
    const resolved = 'message_id, person_id'
    const persons = await rows(reference, resolved, 'events_resolved')
    expect(persons).toHaveLength(expected)
    expect(await rows(workerDb, resolved, 'events_resolved')).toEqual(persons)
    const identities = async (wh: Warehouse) => {
      const rs = await wh.client.query({
        query: `SELECT id_type, id_value, argMax(person_id, version) AS person FROM ${wh.database}.identities
                GROUP BY id_type, id_value ORDER BY id_type, id_value`,
        format: 'JSONEachRow',
      })
      return rs.json<Record<string, unknown>>()
    }
    const ids = await identities(reference)
    expect(ids.length).toBeGreaterThan(0)
    expect(await identities(workerDb)).toEqual(ids)

    await bus.close()
    await reference.close()
    await worker.exit()
  }, 300_000)
})
