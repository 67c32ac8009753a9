import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadMigrations, migrate } from './migrate.js'
import { createEventsRepository, type MessageKey } from './repositories/events.js'
import { createWarehouse } from './warehouse.js'

// Real chDB. The dedup index keyed by (UTC day of the client timestamp, message_id), migration 0093.
const dataDir = mkdtempSync(join(tmpdir(), 'sillage-message-ids-'))
const warehouse = createWarehouse({ database: 'mid_test', dataDir })
const moved = { ...warehouse, database: 'mid_moved', close: async () => {} }
afterAll(async () => {
  await warehouse.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const event = (message_id: string, original_timestamp: string | null) => ({
  message_id,
  type: 'track',
  event: 'E',
  timestamp: '2026-03-01T10:00:00.000Z',
  original_timestamp,
  received_at: '2026-03-01T10:00:05.000Z',
})

const key = (messageId: string, originalTimestamp: string | null): MessageKey => ({
  messageId,
  originalTimestamp,
})

describe('message_ids (migration 0093)', () => {
  it('finds a stored event by its message id and a client timestamp of the same UTC day, in any spelling', async () => {
    await migrate(warehouse)
    await warehouse.client.insert({
      table: 'mid_test.events',
      values: [
        event('with-offset', '2026-03-01T12:00:30.123+02:00'),
        event('micro', '2026-03-01T10:00:30.123456Z'),
        event('none', null),
      ],
      format: 'JSONEachRow',
    })
    const events = createEventsRepository(warehouse)
    const found = await events.existingMessageIds([
      key('with-offset', '2026-03-01T12:00:30.123+02:00'), // as resent
      key('micro', '2026-03-01T23:59:59.999Z'), // the same day: a retry that set a new timestamp
      key('none', null),
      key('never-stored', '2026-03-01T10:00:30.123Z'),
    ])
    expect(found).toEqual(new Set(['with-offset', 'micro', 'none']))
    // The same id with a client timestamp of another day is another event (docs/identity.md):
    // 2026-03-01T01:00:30+02:00 is the 28th of February in UTC.
    expect(await events.existingMessageIds([key('with-offset', '2026-03-02T00:00:00.000Z')])).toEqual(
      new Set(),
    )
    expect(await events.existingMessageIds([key('with-offset', '2026-03-01T01:00:30+02:00')])).toEqual(
      new Set(),
    )
    expect(await events.existingMessageIds([key('none', '2026-03-01T10:00:30.000Z')])).toEqual(new Set())
    // The half-stored check reads events by message id alone.
    expect(
      await events.existingMessageIds(
        [key('with-offset', '2026-03-02T00:00:00.000Z')],
        ['2026-03-01T10:00:00.000Z', '2026-03-01T10:01:00.000Z'],
      ),
    ).toEqual(new Set(['with-offset']))
  })

  it('reads a batch of many days by (day, id) pairs: each id found on its own day only', async () => {
    const days = Array.from({ length: 7 }, (_, i) => new Date(Date.UTC(2026, 3, 1 + i, 8)).toISOString())
    await warehouse.client.insert({
      table: 'mid_test.events',
      values: days.map((at, i) => event(`day-${i}`, at)),
      format: 'JSONEachRow',
    })
    const events = createEventsRepository(warehouse)
    const asked = [
      ...days.map((at, i) => key(`day-${i}`, at)),
      key('day-0', days[1]!), // stored, but on another day
      key('day-9', days[2]!),
    ]
    expect(await events.existingMessageIds(asked)).toEqual(new Set(days.map((_, i) => `day-${i}`)))
    expect(await events.existingMessageIds(asked.slice(7))).toEqual(new Set())
  })

  it('moves the events stored before it into message_ids, drops event_ids, and can run again', async () => {
    const { client } = moved
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS mid_moved' })
    const all = loadMigrations('mid_moved')
    for (const m of all.filter((m) => m.version < 93))
      for (const statement of m.statements) await client.command({ query: statement })
    await client.insert({
      table: 'mid_moved.events',
      values: [event('old-1', '2026-03-01T10:00:30.000Z'), event('old-2', null)],
      format: 'JSONEachRow',
    })
    const m93 = all.find((m) => m.version === 93)
    expect(m93?.name).toBe('message_ids')
    for (let run = 0; run < 2; run++)
      for (const statement of m93!.statements) await client.command({ query: statement })
    await client.insert({ table: 'mid_moved.events', values: [event('new-1', null)], format: 'JSONEachRow' })

    const rs = await client.query({
      query: 'SELECT day, message_id FROM mid_moved.message_ids FINAL ORDER BY message_id',
      format: 'JSONEachRow',
    })
    expect(
      (await rs.json<{ day: string | number; message_id: string }>()).map((r) => ({
        ...r,
        day: Number(r.day),
      })),
    ).toEqual(
      [
        { day: Date.UTC(2026, 2, 1) / 86_400_000, message_id: 'old-1' },
        { day: 0, message_id: 'new-1' },
        { day: 0, message_id: 'old-2' },
      ].sort((a, b) => a.message_id.localeCompare(b.message_id)),
    )
    const tables = await client.query({
      query: "SELECT name FROM system.tables WHERE database = 'mid_moved' AND name LIKE 'event_ids%'",
      format: 'JSONEachRow',
    })
    expect(await tables.json()).toEqual([])
    const events = createEventsRepository(moved)
    expect(
      await events.existingMessageIds([key('old-1', '2026-03-01T10:00:30.000Z'), key('old-2', null)]),
    ).toEqual(new Set(['old-1', 'old-2']))
  })
})
