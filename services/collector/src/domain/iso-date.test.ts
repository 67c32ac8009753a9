import { describe, expect, it } from 'vitest'
import { parseIsoMs } from './iso-date.js'

describe('parseIsoMs', () => {
  it('answers as Date.parse whatever the order of repeated and new values', () => {
    const values = [
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:00:05.000Z',
      '2026-01-01T10:00:00.000Z',
      '2026-06-30T23:59:59.999Z',
      'not a date',
      '2026-01-01T10:00:05.000Z',
      'not a date',
      '2026-01-01T10:00:00.000Z',
    ]
    for (const v of [...values, ...values.reverse()]) expect(parseIsoMs(v)).toBe(Date.parse(v))
  })
})
