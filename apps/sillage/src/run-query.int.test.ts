import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createWarehouse, type Warehouse } from '@sillage/warehouse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runQuery } from './run-query.js'

// `sillage query` (both paths: the CLI on the data dir, and /admin/query in a running start).
describe('runQuery on embedded chDB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sillage-run-query-'))
  let warehouse: Warehouse
  beforeAll(async () => {
    warehouse = createWarehouse({ database: 'sillage', dataDir: dir })
    await runQuery(warehouse, 'CREATE TABLE default.rq (x UInt8) ENGINE = MergeTree ORDER BY x')
    await runQuery(warehouse, 'INSERT INTO default.rq VALUES (1), (2)')
  })
  afterAll(async () => {
    await warehouse.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const rows = '{"x":1}\n{"x":2}\n'
  it.each([
    ['a plain SELECT', 'SELECT x FROM default.rq ORDER BY x'],
    ['a line comment first (the cookbook recipes)', '-- recipe: demo\nSELECT x FROM default.rq ORDER BY x;'],
    ['several comments and blank lines', '\n-- one\n\n-- two\n  SELECT x FROM default.rq ORDER BY x'],
    ['a block comment first', '/* why */ SELECT x FROM default.rq ORDER BY x'],
    ['a parenthesis', '(SELECT x FROM default.rq ORDER BY x)'],
    ['a CTE', 'WITH 0 AS z SELECT x + z AS x FROM default.rq ORDER BY x'],
  ])('prints the rows of %s', async (_, sql) => {
    expect(await runQuery(warehouse, sql)).toBe(rows)
  })

  it('keeps a FORMAT the analyst asked for, and prints nothing for a statement without rows', async () => {
    expect(await runQuery(warehouse, 'SELECT x FROM default.rq ORDER BY x FORMAT CSV')).toBe('1\n2\n')
    expect(await runQuery(warehouse, '-- temp\nCREATE TABLE default.rq2 (y UInt8) ENGINE = Memory')).toBe('')
  })

  it('rejects what ClickHouse rejects (the CLI exits 1)', async () => {
    await expect(runQuery(warehouse, '-- typo\nSELEC 1')).rejects.toThrow(/Syntax error/)
  })
})
