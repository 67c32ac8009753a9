import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import type { EnrichedEvent } from '@sillage/schemas'
import { toEventRow } from '../domain/event-row.js'
import { createClickHouseSink } from './clickhouse-sink.js'

// Real chDB. The crash case: events rows stored, their message_ids rows not (the materialised view
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
      query: 'ALTER TABLE sink_test.message_ids DELETE WHERE 1 SETTINGS mutations_sync = 2',
    })
    const sink = createClickHouseSink(warehouse)
    const keys = ['h1', 'h2', 'h3'].map((messageId) => ({ messageId, originalTimestamp: null }))
    expect(await sink.existingMessageIds(keys)).toEqual(new Set())
    expect(
      await sink.existingMessageIds(keys, ['2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z']),
    ).toEqual(new Set(['h1', 'h2']))
  })
})

describe('insertEvents', () => {
  it('stores properties, traits, context and consent as the JSON text of the event, byte for byte', async () => {
    const at = '2026-03-02T10:00:00.000Z'
    const base = { messageId: 'j1', anonymousId: 'a1', timestamp: at, receivedAt: at, sourceId: 'web' }
    const events = [
      {
        ...base,
        type: 'track',
        event: 'Order Completed',
        properties: {
          order_id: 'o"1',
          products: [{ sku: 'tab\there \\ é 😀', qty: 2, price: 12.5 }, null, [1, [2]]],
          note: 'line\nbreak \u2028 \u0001 \ud800',
          nested: { 'a.b': { '': true } },
        },
        context: {
          consent: { categories: ['analytics', 'marketing'], updatedAt: at },
          page: { url: 'https://shop/?q=%22x%22' },
          library: { name: 'sillage.js', version: '1.0.0' },
        },
      },
      { ...base, messageId: 'j2', type: 'identify', traits: { name: 'Zoë "Z"', tags: [] } },
    ] as unknown as EnrichedEvent[]
    const sink = createClickHouseSink(warehouse)
    await sink.insertEvents(
      events.map((e) => toEventRow(e, 'p1')),
      'json-text',
    )
    const rs = await warehouse.client.query({
      query: `SELECT message_id, properties, traits, context, consent FROM sink_test.events
              WHERE message_id IN ('j1', 'j2') ORDER BY message_id`,
      format: 'JSONEachRow',
    })
    const [j1, j2] = await rs.json<Record<string, string>>()
    const [e1, e2] = events as unknown as Array<Record<string, Record<string, unknown>>>
    expect(j1).toEqual({
      message_id: 'j1',
      properties: JSON.stringify(e1!['properties']),
      traits: '{}',
      context: JSON.stringify(e1!['context']),
      consent: JSON.stringify(e1!['context']!['consent']),
    })
    expect(j2).toMatchObject({ properties: '{}', traits: JSON.stringify(e2!['traits']), consent: '{}' })
  })
})
