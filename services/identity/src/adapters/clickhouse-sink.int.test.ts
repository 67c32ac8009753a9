import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createClickHouseSink } from './clickhouse-sink.js'

// Real chDB. The crash case: events rows stored, their event_ids rows not (the materialised view
// writes a second part; a kill or a failed insert can land between the two).
let dir: string
let warehouse: Warehouse
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-sink-'))
  warehouse = createWarehouse({ database: 'sink_test', dataDir: dir })
  await migrate(warehouse)
})
afterAll(async () => {
  await warehouse.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('existingMessageIds', () => {
  it('finds rows of a half-stored batch when asked to check the events table over its received_at range', async () => {
    const receivedAt = '2026-03-01T10:00:00.000Z'
    await warehouse.client.insert({
      table: 'sink_test.events',
      values: ['h1', 'h2'].map((message_id) => ({
        message_id,
        type: 'track',
        event: 'E',
        timestamp: receivedAt,
        received_at: receivedAt,
      })),
      format: 'JSONEachRow',
    })
    await warehouse.client.command({
      query: 'ALTER TABLE sink_test.event_ids DELETE WHERE 1 SETTINGS mutations_sync = 2',
    })
    const sink = createClickHouseSink(warehouse)
    expect(await sink.existingMessageIds(['h1', 'h2', 'h3'])).toEqual(new Set())
    expect(
      await sink.existingMessageIds(
        ['h1', 'h2', 'h3'],
        ['2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z'],
      ),
    ).toEqual(new Set(['h1', 'h2']))
  })
})
