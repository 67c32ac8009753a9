import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, createMetricsRegistry, type Registry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { parseActivationFile } from '../domain/activation-file.js'
import { createAudienceSync } from './audience-sync.js'

// One audience whose query fails (a table that does not exist) does not hold back the others,
// on the schedule or on the stream; the failure is counted. Real chDB.
const dir = mkdtempSync(join(tmpdir(), 'sillage-audience-isolation-'))
let warehouse: Warehouse
const defs = parseActivationFile(
  JSON.stringify({
    audiences: [
      { id: 'broken', sql: 'SELECT person_id FROM sillage.no_such_table' },
      { id: 'opted', rule: 'consent.marketing' },
      { id: 'opted-too', rule: 'consent.marketing' },
    ],
  }),
)
const [broken, opted, optedToo] = defs.audiences as [
  (typeof defs.audiences)[number],
  (typeof defs.audiences)[number],
  (typeof defs.audiences)[number],
]
const failures = async (registry: Registry) =>
  (await registry.getSingleMetric('sillage_audience_sync_failures_total')?.get())?.values.map((v) => [
    v.labels['audience'],
    v.labels['mode'],
    v.value,
  ])
const sync = (registry: Registry) =>
  createAudienceSync({ warehouse, log: createLogger({ level: 'silent' }), registry, emit: async () => {} })

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
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
})
afterAll(async () => {
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a failing audience is isolated', () => {
  it('on the schedule: the others are synced, the failure counted', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false })
    const results = await sync(registry).syncAll(defs.audiences)
    expect(results.map((r) => [r.audienceId, r.entered])).toEqual([
      ['opted', 2],
      ['opted-too', 2],
    ])
    expect(await failures(registry)).toEqual([['broken', 'schedule', 1]])
  })

  it('on the stream: the others are evaluated; when every audience fails, the batch is retried', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false })
    await warehouse.client.insert({
      table: 'sillage.events',
      format: 'JSONEachRow',
      values: [
        {
          message_id: 'consent-p1-withdrawn',
          type: 'track',
          event: 'Consent Updated',
          timestamp: '2026-01-02 00:00:00.000',
          received_at: '2026-01-02 00:00:00.000',
          person_id: 'p1',
          properties: JSON.stringify({ categories: [] }),
        },
      ],
    })
    const s = sync(registry)
    expect(await s.syncPersons([broken, opted, optedToo], ['p1'])).toBe(2)
    expect(await failures(registry)).toEqual([['broken', 'stream', 1]])
    await expect(s.syncPersons([broken], ['p1'])).rejects.toThrow(/no_such_table/i)
  })
})
