import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { migrate } from './migrate.js'
import { applyRetention } from './retention.js'
import { createWarehouse } from './warehouse.js'

// Real chDB, its own data dir and database.
const dataDir = mkdtempSync(join(tmpdir(), 'sillage-retention-'))
const warehouse = createWarehouse({ database: 'ret_test', dataDir })
afterAll(async () => {
  await warehouse.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const ttlOf = async (table: string): Promise<string> => {
  const rs = await warehouse.client.query({
    query:
      'SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    query_params: { db: 'ret_test', t: table },
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<{ q: string }>()
  return / TTL (.+?)(?: SETTINGS|$)/.exec(row?.q ?? '')?.[1] ?? ''
}

describe('applyRetention on chDB', () => {
  it('sets every month-based TTL and the dead letters, once, and expires old rows', async () => {
    await migrate(warehouse)
    await warehouse.client.command({
      query: `CREATE TABLE IF NOT EXISTS ret_test.invalid_events (received_at DateTime64(3, 'UTC'), payload String)
              ENGINE = MergeTree ORDER BY received_at TTL toDateTime(received_at) + INTERVAL 30 DAY`,
    })
    expect(await ttlOf('events')).toBe('toDateTime(received_at) + toIntervalMonth(25)')
    const old = new Date(Date.now() - 100 * 24 * 3600 * 1000).toISOString()
    await warehouse.client.insert({
      table: 'ret_test.events',
      values: [
        { message_id: 'old', type: 'track', event: 'E', timestamp: old, received_at: old },
        {
          message_id: 'new',
          type: 'track',
          event: 'E',
          timestamp: new Date().toISOString(),
          received_at: new Date().toISOString(),
        },
      ],
      format: 'JSONEachRow',
    })

    const changes = await applyRetention(warehouse, { months: 2, deadLetterDays: 7 })
    expect(changes.map((c) => c.table).sort()).toEqual(['events', 'invalid_events', 'message_ids'])
    expect(await ttlOf('events')).toBe('toDateTime(received_at) + toIntervalMonth(2)')
    expect(await ttlOf('invalid_events')).toBe('toDateTime(received_at) + toIntervalDay(7)')
    // A table's own day-based TTL is part of its design: left alone.
    expect(await ttlOf('identity_warnings')).toMatch(/toIntervalDay\(90\)/)
    expect(await applyRetention(warehouse, { months: 2, deadLetterDays: 7 })).toEqual([])

    await vi.waitFor(
      async () => {
        const rs = await warehouse.client.query({
          query: 'SELECT message_id FROM ret_test.events',
          format: 'JSONEachRow',
        })
        expect((await rs.json<{ message_id: string }>()).map((r) => r.message_id)).toEqual(['new'])
      },
      { timeout: 20_000, interval: 200 },
    )
  })
})
