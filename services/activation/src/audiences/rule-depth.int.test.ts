import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { ActivationFileError, parseActivationFile } from '../domain/activation-file.js'
import { MAX_RULE_DEPTH, parseRule } from '../domain/audience-rule.js'
import { compileRule } from '../domain/audience-sql.js'

// A rule nested deeper than ClickHouse's AST limit (1000) fits in the 4000-character limit
// (`not ` × 990): the file accepted it, then every sync of the audience failed ("AST is too
// deep"). Real chDB: the deepest rule the parser accepts runs; a deeper one is refused up front.
const dir = mkdtempSync(join(tmpdir(), 'sillage-rule-depth-'))
let warehouse: Warehouse
beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
})
afterAll(async () => {
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

const nots = (n: number) => `${'not '.repeat(n)}orders > 1`
const brackets = (n: number) => `${'('.repeat(n)}orders > 1${')'.repeat(n)}`

describe('rule nesting', () => {
  it.each([nots(MAX_RULE_DEPTH), brackets(MAX_RULE_DEPTH), `not (${nots(MAX_RULE_DEPTH - 2)})`])(
    'runs the deepest rule accepted on ClickHouse (%#)',
    async (rule) => {
      const q = compileRule(parseRule(rule), 'sillage')
      const rs = await warehouse.client.query({ query: q.sql, query_params: q.params, format: 'JSONEachRow' })
      expect(await rs.json()).toEqual([])
    },
  )

  it.each([nots(990), brackets(MAX_RULE_DEPTH + 1), `(${nots(MAX_RULE_DEPTH)})`])(
    'refuses a deeper rule when the file is read, with SIL_AUDIENCE_RULE (%#)',
    (rule) => {
      expect(() => parseRule(rule)).toThrow(
        expect.objectContaining({
          code: 'SIL_AUDIENCE_RULE',
          message: expect.stringMatching(/nested deeper/),
        }),
      )
      const file = JSON.stringify({ audiences: [{ id: 'deep', rule }] })
      expect(() => parseActivationFile(file)).toThrow(ActivationFileError)
    },
  )
})
