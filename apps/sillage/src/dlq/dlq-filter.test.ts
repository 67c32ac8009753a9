import { describe, expect, it } from 'vitest'
import { dlqFilterSchema, parseInstant } from './dlq-filter.js'

describe('dlq --since / --until', () => {
  it('reads ISO 8601 dates and date-times, in UTC unless an offset is given', () => {
    expect(parseInstant('2026-03-01')).toBe(Date.parse('2026-03-01T00:00:00Z'))
    expect(parseInstant(' 2026-03-01 ')).toBe(Date.parse('2026-03-01T00:00:00Z'))
    expect(parseInstant('2026-03-01T10:00')).toBe(Date.parse('2026-03-01T10:00:00Z'))
    expect(parseInstant('2026-03-01 10:00:05')).toBe(Date.parse('2026-03-01T10:00:05Z'))
    expect(parseInstant('2026-12-07T00:20:34.138Z')).toBe(Date.parse('2026-12-07T00:20:34.138Z'))
    expect(parseInstant('2026-03-01T10:00:00+02:00')).toBe(Date.parse('2026-03-01T08:00:00Z'))
    expect(parseInstant('2026-02-28T23:59:59.123456789z')).toBe(Date.parse('2026-02-28T23:59:59.123Z'))
  })

  it('refuses what Date.parse would misread (a year of 2001, a rolled-over day) or cannot read', () => {
    for (const v of [
      'March 7', // Date.parse: 2001-03-07
      'Dec 7',
      '1', // Date.parse: 2001-01-01
      '-1',
      '0',
      '2026-02-30', // Date.parse: 2026-03-02
      '2026-04-31',
      '2026-13-01',
      '2026-12-07T25:00:00Z',
      '2026-12-07T10:60Z',
      '2026-12-07T10:00+24:00',
      '7/12/2026',
      '1796602834138',
      'yesterday',
      '',
    ]) {
      expect([v, parseInstant(v)]).toEqual([v, undefined])
      expect(dlqFilterSchema.safeParse({ since: v }).success).toBe(false)
    }
  })

  it('gives the filter epoch milliseconds', () => {
    expect(dlqFilterSchema.parse({ since: '2026-03-01', until: '2026-03-02T00:00:00Z' })).toEqual({
      since: Date.parse('2026-03-01T00:00:00Z'),
      until: Date.parse('2026-03-02T00:00:00Z'),
    })
  })
})
