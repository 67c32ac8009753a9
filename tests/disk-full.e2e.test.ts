import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { consumeToEnd, createFaultFileOps, createLocalBus, defaultTopicSpecs, TOPICS } from '@sillage/bus'
import { sourcesSchema } from '@sillage/schemas'
import { createWarehouse, migrate } from '@sillage/warehouse'
import { createLogger, createMetricsRegistry } from '../packages/runtime/src/index.js'
import { createCollectorApp } from '../services/collector/src/index.js'
import { createIdentityService } from '../services/identity/src/index.js'
import { waitFor, WRITE_KEY } from './helpers/pipeline.js'

/**
 * What a 503 on a full disk means downstream, in-process as `sillage start` composes it (collector,
 * local bus, identity, chDB): the disk fills up in the middle of a batch (a fault-injecting file
 * layer, so that one partition's write lands and the other's does not), the batch is answered 503
 * though part of it is stored, the disk is freed, the SDK retries with the same messageIds, and
 * ClickHouse ends with exactly one row per messageId. (The filling and freeing of a real tmpfs is
 * services/collector/src/routes/disk-full.int.test.ts.)
 */
const root = mkdtempSync(join(tmpdir(), 'sillage-disk-full-e2e-'))
const log = createLogger({ level: process.env.SILLAGE_TEST_LOG ?? 'silent' })
const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  rmSync(root, { recursive: true, force: true })
})

it('a batch answered 503 and partly stored, then retried with the same messageIds: one row per messageId', async () => {
  const warehouse = createWarehouse({ database: 'disk_full', dataDir: join(root, 'clickhouse') })
  cleanups.push(() => warehouse.close())
  await migrate(warehouse, log)
  const fileOps = createFaultFileOps()
  const busDir = join(root, 'bus')
  const bus = createLocalBus({ dir: busDir, fileOps, recoveryProbeMs: 10 })
  cleanups.push(() => bus.close())
  await bus.ensureTopics(defaultTopicSpecs(2))
  const identity = createIdentityService({
    bus,
    warehouse,
    log,
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  await identity.start()
  cleanups.push(() => identity.stop())
  const app = createCollectorApp({
    config: { maxEventBytes: 32 * 1024, maxBatchBytes: 500 * 1024 },
    sources: sourcesSchema.parse([{ id: 'test', writeKey: WRITE_KEY, type: 'server' }]),
    bus,
    log,
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  cleanups.push(() => app.close())

  const batch = (name: string) =>
    Array.from({ length: 50 }, (_, i) => `df-${name}-${String(i).padStart(2, '0')}`)
  const send = (ids: readonly string[]) =>
    app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      payload: {
        batch: ids.map((messageId, i) => ({
          type: 'track',
          event: 'Product Viewed',
          anonymousId: `device-${i % 9}`,
          messageId,
          properties: { sku: messageId },
        })),
      },
    })

  const first = batch('first')
  expect((await send(first)).statusCode).toBe(200)
  // Same keys, same partitions: room for the larger partition's share of a batch, not for both.
  const shares = [0, 1].map((p) => {
    const dir = join(busDir, TOPICS.raw, String(p))
    return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0)
  })
  expect(Math.min(...shares)).toBeGreaterThan(1024)
  fileOps.fail('ENOSPC', Math.max(...shares) + 512)
  const torn = batch('torn')
  const refused = await send(torn)
  expect(refused.statusCode).toBe(503)
  expect(refused.headers['retry-after']).toBe('5')

  fileOps.heal()
  await waitFor(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, {
    what: 'the bus to heal',
  })
  expect((await send(torn)).statusCode).toBe(200)

  // On the bus, part of the torn batch is there twice: the case deduplication must absorb.
  const onBus = new Map<string, number>()
  await consumeToEnd(bus, {
    topic: TOPICS.raw,
    group: 'disk-full-e2e-check',
    commit: false,
    eachBatch: async (b) => {
      for (const r of b.records) {
        const { messageId } = JSON.parse(r.value.toString()) as { messageId: string }
        onBus.set(messageId, (onBus.get(messageId) ?? 0) + 1)
      }
    },
  })
  const twice = torn.filter((id) => onBus.get(id) === 2)
  expect(twice.length).toBeGreaterThan(0)
  expect(twice.length).toBeLessThan(torn.length)

  const rows = await waitFor(
    async () => {
      const rs = await warehouse.client.query({
        query:
          "SELECT message_id, count() AS n FROM disk_full.events WHERE message_id LIKE 'df-%' GROUP BY message_id ORDER BY message_id",
        format: 'JSONEachRow',
      })
      const got = await rs.json<{ message_id: string; n: string }>()
      return got.length === first.length + torn.length ? got : undefined
    },
    { timeoutMs: 60_000, what: 'every event in ClickHouse' },
  )
  expect(rows.map((r) => r.message_id)).toEqual([...first, ...torn].sort())
  expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([])
})
