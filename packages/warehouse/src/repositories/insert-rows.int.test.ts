import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWarehouse } from '../warehouse.js'
import { insertRows, insertUniformRows, JSON_TEXT_AS_OBJECTS } from './insert-rows.js'

describe('insertUniformRows (JSONCompactEachRow) on chDB', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sillage-insert-rows-'))
  const wh = createWarehouse({ database: 'insert_rows', dataDir })
  const table = `t_${Math.random().toString(36).slice(2, 8)}`
  const read = async () => {
    const rs = await wh.client.query({
      query: `SELECT id, name, n, ok, at FROM insert_rows.${table} ORDER BY id`,
      format: 'JSONEachRow',
    })
    return rs.json()
  }

  beforeAll(async () => {
    await wh.client.command({ query: 'CREATE DATABASE IF NOT EXISTS insert_rows' })
    await wh.client.command({
      query: `CREATE TABLE insert_rows.${table} (id String, name String DEFAULT 'dflt', n Nullable(Float64),
              ok Bool, at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id`,
    })
  })
  afterAll(async () => {
    await wh.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('stores the same values as JSONEachRow, whatever the key order of each row', async () => {
    const rows = [
      { id: 'a', name: 'tab\there "quoted" \\ é 😀', n: 1.5, ok: true, at: '2026-01-02T03:04:05.678Z' },
      { n: null, ok: false, at: '2026-01-02 03:04:05.000', name: 'b', id: 'b' },
    ]
    await insertUniformRows(wh, table, rows)
    await insertRows(
      wh,
      table,
      rows.map((r) => ({ ...r, id: `${r.id}2` })),
    )
    const got = (await read()) as Array<Record<string, unknown>>
    expect(got).toHaveLength(4)
    const strip = (r: Record<string, unknown>) => ({ ...r, id: String(r['id']).slice(0, 1) })
    expect(got.filter((r) => String(r['id']).length === 1)).toEqual(
      got.filter((r) => String(r['id']).length === 2).map(strip),
    )
    expect(got[0]).toMatchObject({ id: 'a', name: 'tab\there "quoted" \\ é 😀', n: 1.5, ok: true })
  })

  it('falls back to JSONEachRow when rows do not share the first row keys: no value is dropped', async () => {
    await insertUniformRows(wh, table, [
      { id: 'c', n: 2, ok: true, at: '2026-01-02T03:04:05Z' },
      { id: 'd', name: 'named', n: 3, ok: true, at: '2026-01-02T03:04:05Z' },
    ])
    const got = (await read()) as Array<Record<string, unknown>>
    expect(got.find((r) => r['id'] === 'c')).toMatchObject({ name: 'dflt', n: 2 })
    expect(got.find((r) => r['id'] === 'd')).toMatchObject({ name: 'named', n: 3 })
    // A later row with fewer keys than the first: its missing key takes the column default.
    await insertUniformRows(wh, table, [
      { id: 'e', name: 'first', n: 4, ok: true, at: '2026-01-02T03:04:05Z' },
      { id: 'f', n: 5, ok: false, at: '2026-01-02T03:04:05Z' },
    ])
    const more = (await read()) as Array<Record<string, unknown>>
    expect(more.find((r) => r['id'] === 'e')).toMatchObject({ name: 'first', n: 4 })
    expect(more.find((r) => r['id'] === 'f')).toMatchObject({ name: 'dflt', n: 5 })
  })

  it('stores an object or array given for a String column as the exact text JSON.stringify gives it', async () => {
    const json = `j_${table}`
    await wh.client.command({
      query: `CREATE TABLE insert_rows.${json} (id String, doc String) ENGINE = MergeTree ORDER BY id`,
    })
    const docs: Record<string, unknown> = {
      plain: { a: 1, b: 'x', c: [1, 2, { d: null }], e: true },
      escapes: { 'k"ey': 'tab\there "q" \\ \n é 😀 \u2028', lone: '\ud800x', ctl: '\u0001' },
      numbers: { big: 1.2345678901234567e19, tiny: 1e-7, neg: -0.5, int: 2 ** 53 + 2 },
      deep: { l1: { l2: { l3: { l4: [[[{ l5: 'deep' }]]] } } } },
      empty: {},
      array: [{ sku: 'a' }, 'b', 3],
      keys: { 'a.b': 1, '': 2, ключ: 3 },
    }
    const rows = Object.entries(docs).map(([id, doc]) => ({ id, doc }))
    await insertUniformRows(wh, json, rows.slice(0, 4), undefined, JSON_TEXT_AS_OBJECTS)
    // Rows of different keys go through the client's JSONEachRow: the same text.
    await insertUniformRows(
      wh,
      json,
      [...rows.slice(4), { id: 'extra', doc: { x: 1 }, more: 1 }].map(({ id, doc }) => ({ id, doc })),
      undefined,
      JSON_TEXT_AS_OBJECTS,
    )
    await insertRows(wh, json, [{ id: 'rows', doc: docs['escapes'] }], undefined, JSON_TEXT_AS_OBJECTS)
    const rs = await wh.client.query({
      query: `SELECT id, doc FROM insert_rows.${json} ORDER BY id`,
      format: 'JSONEachRow',
    })
    const got = Object.fromEntries((await rs.json<{ id: string; doc: string }>()).map((r) => [r.id, r.doc]))
    for (const [id, doc] of Object.entries(docs)) expect(got[id], id).toBe(JSON.stringify(doc))
    expect(got['rows']).toBe(JSON.stringify(docs['escapes']))
    expect(got['extra']).toBe('{"x":1}')
  })
})
