import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createActivationRunner, type ActivationRunner } from './activation-runner.js'

// The runner with an audience whose query fails until its table exists: the other audience is
// synced at once, and the failing one is retried on its own, long before the next scheduled
// sync (an hour). Real chDB, a real local bus.
const dir = mkdtempSync(join(tmpdir(), 'sillage-sync-retry-'))
let warehouse: Warehouse
let bus: Bus
let runner: ActivationRunner | undefined
const registry = createMetricsRegistry({ defaultMetrics: false })

const members = async (audienceId: string): Promise<string[]> => {
  const rs = await warehouse.client.query({
    query: `SELECT person_id FROM sillage.audience_membership WHERE audience_id = {a:String}
            GROUP BY person_id HAVING argMax(change, seq) = 'entered' ORDER BY person_id`,
    query_params: { a: audienceId },
    format: 'JSONEachRow',
  })
  return (await rs.json<{ person_id: string }>()).map((r) => r.person_id)
}

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  bus = createLocalBus({ dir: join(dir, 'bus') })
  await bus.ensureTopics(defaultTopicSpecs(1))
  await warehouse.client.insert({
    table: 'sillage.events',
    format: 'JSONEachRow',
    values: ['p1', 'p2'].map((p) => ({
      message_id: `consent-${p}`,
      type: 'track',
      event: 'Consent Updated',
      timestamp: '2026-01-01 00:00:00.000',
      received_at: '2026-01-01 00:00:00.000',
      person_id: p,
      properties: JSON.stringify({ categories: ['marketing'] }),
    })),
  })
  writeFileSync(
    join(dir, 'audiences.json'),
    JSON.stringify({
      audiences: [
        { id: 'late', sql: 'SELECT person_id FROM sillage.late_scores WHERE score > 0.5' },
        { id: 'opted', rule: 'consent.marketing' },
      ],
    }),
  )
})
afterAll(async () => {
  await runner?.stop()
  await bus?.close()
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a failing audience', () => {
  it('does not hold back the others, is counted, and is retried before the next sync', async () => {
    runner = createActivationRunner({
      warehouse,
      bus,
      log: createLogger({ level: 'silent' }),
      registry,
      options: {
        enabled: true,
        file: join(dir, 'audiences.json'),
        dataDir: dir,
        syncIntervalMs: 3_600_000,
        deliveryIntervalMs: 100,
        secrets: {},
      },
    })
    runner.start()
    await expect.poll(() => members('opted'), { timeout: 30_000 }).toEqual(['p1', 'p2'])
    await expect
      .poll(
        async () =>
          (await registry.getSingleMetric('sillage_audience_sync_failures_total')?.get())?.values.find(
            (v) => v.labels['audience'] === 'late',
          )?.value ?? 0,
        { timeout: 30_000 },
      )
      .toBeGreaterThanOrEqual(1)
    expect(await members('late')).toEqual([])

    // The table appears (a model built later, a fixed view): the retry picks the audience up.
    await warehouse.client.command({
      query: `CREATE TABLE sillage.late_scores ENGINE = MergeTree ORDER BY person_id
              AS SELECT 'p2' AS person_id, 0.9 AS score`,
    })
    await expect.poll(() => members('late'), { timeout: 30_000 }).toEqual(['p2'])
  })
})
