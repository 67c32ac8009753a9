import { describe, expect, it } from 'vitest'
import { engineMessage, isDataError } from './clickhouse-errors.js'
import { insertIsolating, partToken } from './isolating-insert.js'

/** Shaped as clickhouse-js shapes an engine error (numeric code, name in `type`). */
const engine = (code: string, type: string, message = 'refused') =>
  Object.assign(new Error(message), { code, type })
const connRefused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })

describe('isDataError', () => {
  it('is true for errors about the rows', () => {
    expect(isDataError(engine('25', 'CANNOT_PARSE_ESCAPE_SEQUENCE'))).toBe(true)
    expect(isDataError(engine('41', 'CANNOT_PARSE_DATETIME'))).toBe(true)
    expect(isDataError(engine('117', ''))).toBe(true)
  })
  it('is false for infrastructure errors, which are retried', () => {
    expect(isDataError(connRefused)).toBe(false)
    expect(isDataError(Object.assign(new Error('Timeout error.'), { code: 'ETIMEDOUT' }))).toBe(false)
    expect(isDataError(engine('252', 'TOO_MANY_PARTS'))).toBe(false)
    expect(
      isDataError(
        engine('252', 'TOO_MANY_PARTS', 'Too many partitions for single INSERT block (more than 100)'),
      ),
    ).toBe(true)
    expect(isDataError(engine('241', 'MEMORY_LIMIT_EXCEEDED'))).toBe(false)
    expect(isDataError(engine('16', 'NO_SUCH_COLUMN_IN_TABLE'))).toBe(false)
    expect(isDataError(new Error('socket hang up'))).toBe(false)
    expect(isDataError('CANNOT_PARSE_TEXT')).toBe(false)
  })
  it('names the engine error in the dead letter message, bounded', () => {
    expect(engineMessage(engine('25', 'CANNOT_PARSE_ESCAPE_SEQUENCE', 'bad escape'))).toBe(
      'CANNOT_PARSE_ESCAPE_SEQUENCE: bad escape',
    )
    expect(engineMessage(engine('41', 'X', 'y'.repeat(5000))).length).toBeLessThanOrEqual(2001 + 3)
  })
})

/** A fake table refusing rows that contain "bad"; records every insert and its token. */
function fakeTable(opts: { failWith?: Error } = {}) {
  const stored: string[] = []
  const calls: Array<{ rows: string[]; token: string }> = []
  const insert = async (rows: readonly string[], token: string) => {
    calls.push({ rows: [...rows], token })
    if (opts.failWith) throw opts.failWith
    if (rows.some((r) => r.includes('bad'))) throw engine('25', 'CANNOT_PARSE_ESCAPE_SEQUENCE', 'bad row')
    stored.push(...rows)
  }
  return { stored, calls, insert }
}

describe('insertIsolating', () => {
  it('stores every good row and returns each refused one with its error', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => (i === 17 || i === 80 ? `bad-${i}` : `ok-${i}`))
    const t = fakeTable()
    const refused = await insertIsolating(rows, 'raw:0:0-99', t.insert, (r) => r)
    expect(refused.map((r) => r.row)).toEqual(['bad-17', 'bad-80'])
    expect(isDataError(refused[0]?.error)).toBe(true)
    expect(t.stored.sort()).toEqual(rows.filter((r) => r.startsWith('ok')).sort())
    expect(t.calls.length).toBeLessThanOrEqual(4 * Math.ceil(Math.log2(100)) + 1)
  })

  it('throws an infrastructure error instead of isolating rows (the batch is retried, not committed)', async () => {
    const t = fakeTable({ failWith: connRefused })
    await expect(insertIsolating(['ok-1', 'ok-2'], 'tok', t.insert, (r) => r)).rejects.toBe(connRefused)
    expect(t.calls).toHaveLength(1)
  })

  it('gives a part the same token for the same rows, another for other rows', async () => {
    const a = fakeTable()
    const b = fakeTable()
    await insertIsolating(['ok-1', 'bad-2', 'ok-3', 'ok-4'], 'tok', a.insert, (r) => r)
    await insertIsolating(['ok-1', 'bad-2', 'ok-3', 'ok-4'], 'tok', b.insert, (r) => r)
    expect(a.calls.map((c) => c.token)).toEqual(b.calls.map((c) => c.token))
    const tokens = a.calls.map((c) => c.token)
    expect(new Set(tokens).size).toBe(tokens.length)
    expect(partToken('tok', ['ok-3', 'ok-4'])).not.toBe(partToken('tok', ['ok-4']))
    expect(partToken('tok', ['ab', 'c'])).not.toBe(partToken('tok', ['a', 'bc']))
  })
})
