import { describe, expect, it } from 'vitest'
import type { TupleParam } from '@clickhouse/client'
import { dayCondition, dayHere } from './message-keys.js'

describe('dayHere', () => {
  it("computes the UTC day of the collector's normalised timestamps, and 0 for none", () => {
    expect(dayHere('2026-03-01T00:00:00.000Z')).toBe(Date.UTC(2026, 2, 1) / 86_400_000)
    expect(dayHere('2026-03-01T23:59:59.999Z')).toBe(Date.UTC(2026, 2, 1) / 86_400_000)
    expect(dayHere('1970-01-01T00:00:00.000Z')).toBe(0)
    expect(dayHere(null)).toBe(0)
  })

  it('leaves to ClickHouse any other spelling or range (JavaScript may read it otherwise)', () => {
    for (const text of [
      '2026-03-01T12:00:30.123+02:00',
      '2026-03-01T10:00:30.123456Z',
      '2026-03-01T10:00:30', // local time for Date.parse, UTC for ClickHouse
      '2026-03-01 10:00:30.000',
      '1969-12-31T23:59:59.999Z',
      '2100-01-02T00:00:00.000Z',
      '',
    ])
      expect(dayHere(text), text).toBeUndefined()
  })
})

describe('dayCondition', () => {
  const key = (messageId: string) => ({ messageId, originalTimestamp: null })

  it('groups the ids of up to four days by day, one clause each, with their parameters', () => {
    const { where, params } = dayCondition([key('a'), key('b'), key('c')], [20_000, 20_001, 20_000])
    expect(where).toBe(
      '(day = {d0:Int64} AND message_id IN {i0:Array(String)}) OR (day = {d1:Int64} AND message_id IN {i1:Array(String)})',
    )
    expect(params).toEqual({ d0: 20_000, i0: ['a', 'c'], d1: 20_001, i1: ['b'] })
  })

  it('asks for the (day, id) pairs of a batch of more days', () => {
    const keys = Array.from({ length: 6 }, (_, i) => key(`m${i}`))
    const { where, params } = dayCondition(
      keys,
      keys.map((_, i) => 20_000 + i),
    )
    expect(where).toBe('(day, message_id) IN {keys:Array(Tuple(Int64, String))}')
    expect((params['keys'] as TupleParam[]).map((t) => t.values)).toEqual(
      keys.map((k, i) => [20_000 + i, k.messageId]),
    )
  })
})
