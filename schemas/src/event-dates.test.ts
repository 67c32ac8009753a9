import { describe, expect, it } from 'vitest'
import { isoDate } from './event.js'

const read = (v: unknown) => {
  const r = isoDate.safeParse(v)
  return r.success ? r.data : 'refused'
}

describe('isoDate', () => {
  it('reads an epoch number below 1e11 as seconds and above as milliseconds', () => {
    expect(read(1796591535)).toBe('2026-12-06T21:12:15.000Z') // Python's time.time(), seconds
    expect(read(1796591535.25)).toBe('2026-12-06T21:12:15.250Z')
    expect(read(1796591535250)).toBe('2026-12-06T21:12:15.250Z') // Date.now(), milliseconds
    expect(read(0)).toBe('1970-01-01T00:00:00.000Z')
  })

  it('refuses a day that does not exist instead of rolling it over', () => {
    for (const v of [
      '2026-02-30T00:00:00Z',
      '2025-02-29',
      '2026-04-31T10:00:00+02:00',
      '2026-13-01T00:00:00Z',
    ])
      expect(read(v), v).toBe('refused')
    expect(read('2024-02-29T12:00:00Z')).toBe('2024-02-29T12:00:00.000Z')
    expect(read('2026-12-31T23:59:59.999+01:00')).toBe('2026-12-31T22:59:59.999Z')
  })

  it('still reads the other forms Date.parse knows, and refuses what is out of range', () => {
    expect(read('Sun, 06 Dec 2026 21:00:00 GMT')).toBe('2026-12-06T21:00:00.000Z')
    expect(read('2101-01-01T00:00:00Z')).toBe('refused')
    expect(read(-1)).toBe('refused')
    expect(read('soon')).toBe('refused')
  })
})
