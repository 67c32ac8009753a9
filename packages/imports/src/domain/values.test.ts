import { describe, expect, it } from 'vitest'
import { formatProgress } from './progress.js'
import { flag, instant, num } from './values.js'

describe('values', () => {
  it('reads instants: ISO, zone-less (UTC), dates, epoch seconds and ms; refuses nonsense', () => {
    expect(instant('2025-03-01T10:00:00+01:00')).toBe('2025-03-01T09:00:00.000Z')
    expect(instant('2025-03-01 10:00:00')).toBe('2025-03-01T10:00:00.000Z')
    expect(instant('2025-03-01')).toBe('2025-03-01T00:00:00.000Z')
    expect(instant(1740823200)).toBe('2025-03-01T10:00:00.000Z')
    expect(instant('1740823200000')).toBe('2025-03-01T10:00:00.000Z')
    expect(instant('')).toBeUndefined()
    expect(instant('31/02/2025')).toBeNull()
    expect(instant('1800-01-01')).toBeNull()
  })

  it('reads numbers with a decimal comma, and flags in English and French', () => {
    expect(num('12,50')).toBe(12.5)
    expect(num('1e3')).toBe(1000)
    expect(num('abc')).toBeNaN()
    expect(num('1e308')).toBeNaN()
    expect(num(-1e16)).toBeNaN()
    expect(num(10n ** 20n)).toBeNaN()
    expect(num('-999999999999999')).toBe(-999999999999999)
    expect(num(null)).toBeUndefined()
    expect([flag('Oui'), flag('0'), flag(true), flag(''), flag('peut-être')]).toEqual([
      true,
      false,
      true,
      undefined,
      null,
    ])
  })

  it('draws a progress bar with rows/s and ETA', () => {
    expect(
      formatProgress({ done: 500_000, total: 1_000_000, doneThisRun: 500_000, elapsedMs: 10_000 }, 10),
    ).toBe('[#####-----]  50% 500,000/1,000,000 rows  50,000 rows/s  ETA 00:10')
  })
})
