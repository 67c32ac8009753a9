import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toArrowColumns } from './repositories/arrow-columns.js'
import { createWarehouse, type Warehouse } from './warehouse.js'

// Real chDB: Warehouse.insertColumns (chdb-arrow.ts) beyond the events parity test.
let dir: string
let wh: Warehouse
const T = 'arrow_t.t'
const insert = (rows: object[], settings?: Record<string, string | number>) =>
  wh.insertColumns!({
    table: T,
    columns: toArrowColumns(rows, Object.keys(rows[0]!))!,
    ...(settings && { settings }),
  })
const read = async (sql: string) =>
  (await wh.client.query({ query: sql, format: 'JSONCompactEachRow' })).json<unknown[]>()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-chdb-arrow-'))
  wh = createWarehouse({ database: 'arrow_t', dataDir: dir })
  await wh.client.command({ query: 'CREATE DATABASE IF NOT EXISTS arrow_t' })
  await wh.client.command({
    query: `CREATE TABLE ${T} (id String, at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id
            SETTINGS non_replicated_deduplication_window = 100`,
  })
})
afterAll(async () => {
  await wh?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('insertColumns on chDB', () => {
  it('is there on chDB', () => {
    expect(wh.kind).toBe('chdb')
    expect(typeof wh.insertColumns).toBe('function')
  })

  it('parses a date-time column added after its first insert as the text formats do', async () => {
    await insert([{ id: 'a', at: '2026-01-02T03:04:05.006Z' }])
    await wh.client.command({ query: `ALTER TABLE ${T} ADD COLUMN later Nullable(DateTime64(3, 'UTC'))` })
    await insert([
      { id: 'b', at: '2026-01-02 03:04:05', later: '2026-01-02T05:04:05+02:00' },
      { id: 'c', at: '2026-01-02 03:04:05', later: null },
    ])
    const err = await insert([{ id: 'd', at: '2026-01-02 03:04:05', later: 'not a date' }]).catch(
      (e: unknown) => e as { code?: string },
    )
    expect(err).toMatchObject({ code: '41' })
    expect(await read(`SELECT id, at, later FROM ${T} ORDER BY id`)).toEqual([
      ['a', '2026-01-02 03:04:05.006', null],
      ['b', '2026-01-02 03:04:05.000', '2026-01-02 03:04:05.000'],
      ['c', '2026-01-02 03:04:05.000', null],
    ])
  })

  it('quotes a setting value holding quotes and backslashes (a retried token stores once)', async () => {
    const token = `x'); DROP TABLE ${T}; --\\'`
    for (let i = 0; i < 2; i++)
      await insert([{ id: 'tok', at: '2026-01-02 03:04:05' }], { insert_deduplication_token: token })
    expect(await read(`SELECT count() FROM ${T} WHERE id = 'tok'`)).toEqual([[1]])
  })

  it('refuses a table or column name that is not an identifier, before any SQL', async () => {
    const columns = toArrowColumns([{ id: 'x' }], ['id'])!
    await expect(wh.insertColumns!({ table: 'arrow_t.t; DROP', columns })).rejects.toThrow(/invalid table/)
    await expect(
      wh.insertColumns!({ table: T, columns: [{ ...columns[0]!, name: 'id) --' }] }),
    ).rejects.toThrow(/invalid column/)
  })
})
