import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEventsRepository, createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import type { EnrichedEvent } from '@sillage/schemas'
import { enrich, generateShop } from '@sillage/testkit/identity'
import { toEventRow, type EventRow } from '../domain/event-row.js'

/**
 * Issue 17's binary insert, on real chDB: identity's events go in as Arrow columns read in place
 * (Warehouse.insertColumns). A reference run inserts the same rows as JSONCompactEachRow text, the
 * encoding it replaced (and the one used over HTTP), into a database of its own; every column of
 * `events` and of the tables its materialised views fill must come out the same.
 */
let dir: string
let arrow: Warehouse
let text: Warehouse
let arrowInserts = 0

const hostile = (i: number, over: Record<string, unknown>): EnrichedEvent =>
  enrich({
    type: 'track',
    event: 'Hostile',
    messageId: `hostile-${i}`,
    anonymousId: `anon-hostile-${i}`,
    timestamp: '2026-02-03T04:05:06.789Z',
    context: { page: { title: 'tab\there "quoted" \\ \n é 😀 \u2028' } },
    properties: {},
    ...over,
  } as EnrichedEvent) as EnrichedEvent

function rows(): EventRow[] {
  const shop = generateShop({ seed: 11, shoppers: 150 })
  const out = shop.events.map(({ event }, i) => toEventRow(enrich(event) as EnrichedEvent, `p${i % 97}`))
  const odd: Array<Record<string, unknown>> = [
    {
      event: 'ctl \u0001\u0000 nul',
      properties: { k: 'x\ud800', ['k\udbff']: 1, '': 2, 'a.b': [1, { c: null }] },
    },
    { originalTimestamp: '2026-02-03T06:05:06+02:00', sentAt: 'Tue, 03 Feb 2026 04:05:07 GMT' },
    { timestamp: '2026-02-03 04:05:06', properties: { revenue: 12.345, currency: 'EUR', order_id: 'o-1' } },
    { properties: { revenue: '19.90', product_id: 42 } },
    { properties: { revenue: 1e308, big: 12345678901234567000, tiny: 5e-324 } },
    { event: 'x'.repeat(100_000), context: { userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' } },
    { type: 'identify', traits: { email: 'A@B.example', loyalty_card: 'LC-1', nested: { deep: [[['x']]] } } },
    { type: 'page', name: 'Home', properties: { url: 'https://shop.example/?utm_source=a&utm_medium=b' } },
  ]
  odd.forEach((over, i) => out.push(toEventRow(hostile(i, over), `p-hostile-${i}`)))
  return out
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-events-arrow-'))
  const chdb = createWarehouse({ database: 'events_arrow', dataDir: dir })
  arrow = {
    ...chdb,
    insertColumns: (params) => {
      arrowInserts++
      return chdb.insertColumns!(params)
    },
  }
  // The reference: the same chDB, rows sent as text (no insertColumns, as over HTTP).
  const reference = createWarehouse({ database: 'events_text', dataDir: dir })
  text = { ...reference, insertColumns: undefined }
  await migrate(chdb)
  await migrate(reference)
  const all = rows()
  for (const wh of [arrow, text]) {
    const events = createEventsRepository(wh)
    for (let i = 0; i < all.length; i += 700) await events.insertEvents(all.slice(i, i + 700), `batch-${i}`)
  }
}, 120_000)
afterAll(async () => {
  await arrow?.close()
  await text?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function dump(wh: Warehouse, sql: string): Promise<unknown[]> {
  const rs = await wh.client.query({
    query: sql.replaceAll('{db}', wh.database),
    format: 'JSONCompactEachRow',
  })
  return rs.json()
}

describe('events as Arrow columns on chDB', () => {
  it('went in as Arrow columns, and the reference as text', () => {
    expect(arrowInserts).toBeGreaterThan(1)
    expect(text.insertColumns).toBeUndefined()
  })

  it('stores every column of every row as the text insert does', async () => {
    const sql = 'SELECT * EXCEPT inserted_at FROM {db}.events ORDER BY message_id'
    const [a, t] = [await dump(arrow, sql), await dump(text, sql)]
    expect(a.length).toBe(rows().length)
    expect(a).toEqual(t)
  })

  it('fills the materialised views (dedup index, persons model) as the text insert does', async () => {
    for (const sql of [
      'SELECT * FROM {db}.message_ids ORDER BY message_id',
      'SELECT * FROM {db}.person_activity FINAL ORDER BY ALL',
      'SELECT * FROM {db}.person_traits FINAL ORDER BY ALL',
    ]) {
      const [a, t] = [await dump(arrow, sql), await dump(text, sql)]
      expect(a.length, sql).toBeGreaterThan(0)
      expect(a, sql).toEqual(t)
    }
  })

  it('stores a batch retried with its token once', async () => {
    const before = await dump(arrow, 'SELECT count() FROM {db}.events')
    const again = rows().slice(0, 700)
    await createEventsRepository(arrow).insertEvents(again, 'batch-0')
    expect(await dump(arrow, 'SELECT count() FROM {db}.events')).toEqual(before)
  })

  it('refuses a timestamp the text formats refuse, with the engine code identity isolates (41)', async () => {
    const bad = { ...toEventRow(hostile(99, {}), 'p'), original_timestamp: 'the day after tomorrow' }
    const err = await createEventsRepository(arrow)
      .insertEvents([bad], 'bad')
      .catch((e: unknown) => e as Error & { code?: string; type?: string })
    expect(err).toMatchObject({ code: '41', type: 'CANNOT_PARSE_DATETIME' })
    expect(await dump(arrow, "SELECT count() FROM {db}.events WHERE message_id = 'hostile-99'")).toEqual([
      [0],
    ])
  })
})
