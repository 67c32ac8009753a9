import { describe, expect, it } from 'vitest'
import { mapRow } from './map-row.js'
import { resolveMapping } from './mapping.js'
import { instant, num } from './values.js'

// Values a hostile (or merely broken) export holds: each must be a refused row, never a crash
// and never a silently different value.
describe('instant: the accepted range', () => {
  it('accepts 1971-01-01 (inclusive) to 2100-01-01 (exclusive), whatever the form', () => {
    expect(instant('1971-01-01')).toBe('1971-01-01T00:00:00.000Z')
    expect(instant('2099-12-31T23:59:59.999Z')).toBe('2099-12-31T23:59:59.999Z')
    expect(instant(4102444799)).toBe('2099-12-31T23:59:59.000Z')
    expect(instant('2100-01-01')).toBeNull()
    expect(instant('1970-12-31T23:59:59Z')).toBeNull()
  })

  it('refuses epoch numbers out of range or unrepresentable instead of throwing', () => {
    for (const v of [1e20, -1e20, 0, '0', -1, 1e308, Number.MAX_VALUE, 4102444800, 10n ** 30n, NaN]) {
      expect(() => instant(v)).not.toThrow()
      expect(instant(v)).toBeNull()
    }
  })
})

describe('instant: dates without a zone, and impossible dates', () => {
  it('reads the documented forms, zone-less ones as UTC', () => {
    expect(instant('2025-03-01T10:00')).toBe('2025-03-01T10:00:00.000Z')
    expect(instant('2025-03-01 10:00:00.123456')).toBe('2025-03-01T10:00:00.123Z')
    expect(instant('2025-03-01T10:00:00+0100')).toBe('2025-03-01T09:00:00.000Z')
    expect(instant('2025-03-01T10:00:00-05')).toBe('2025-03-01T15:00:00.000Z')
    expect(instant('2024-02-29')).toBe('2024-02-29T00:00:00.000Z')
    expect(instant('2025-06-01 12:00:00.000')).toBe('2025-06-01T12:00:00.000Z')
  })

  it('refuses impossible calendar dates and times rather than rolling them over', () => {
    for (const v of [
      '2025-02-31',
      '2025-02-29',
      '2025-04-31T10:00:00Z',
      '2025-13-01',
      '2025-00-10',
      '2025-03-01 24:00:00',
      '2025-03-01T10:60:00Z',
      '2025-03-01T10:00:61',
      '2025-03-01T10:00:00+25:00',
    ]) {
      expect(instant(v)).toBeNull()
    }
  })

  it('refuses forms that would be read in the machine time zone or guessed (03/04/2025)', () => {
    for (const v of [
      '03/04/2025',
      '03/04/2025 10:00',
      'March 4, 2025',
      'Tue Mar 04 2025',
      '2025',
      '0099-01-01',
    ]) {
      expect(instant(v)).toBeNull()
    }
  })
})

describe('num: decimal only', () => {
  it('accepts signs, decimals, a decimal comma and a decimal exponent', () => {
    expect(num('+12.5')).toBe(12.5)
    expect(num('-12,50')).toBe(-12.5)
    expect(num('+3,5')).toBe(3.5)
    expect(num('.5')).toBe(0.5)
    expect(num('007')).toBe(7)
    expect(num('2.5e2')).toBe(250)
  })

  it('refuses hex, binary, octal, Infinity and other non-decimal text', () => {
    for (const v of [
      '0x1A',
      '0X1a',
      '0b101',
      '0o17',
      'Infinity',
      '-Infinity',
      'NaN',
      '1_000',
      '12.5.1',
      '1,234.5',
      '.',
      '+',
      true,
      [],
      {},
    ]) {
      expect(num(v)).toBeNaN()
    }
  })
})

describe('num: thousands grouped by spaces (French Excel)', () => {
  it('reads 1 234,50 with a space, a no-break space or a narrow one, and refuses other groupings', () => {
    expect(num('1 234,50')).toBe(1234.5)
    expect(num('-1\u00a0234\u00a0567,5')).toBe(-1234567.5)
    expect(num('12\u202f345')).toBe(12345)
    expect(num('1 234.50')).toBe(1234.5)
    for (const v of ['1 23,5', '1234 567', '1 234 56', '1.234,50', ' 1 2']) expect(num(v)).toBeNaN()
  })
})

describe('mapRow: the refusals', () => {
  const receipts = resolveMapping('receipts')
  const row = { receipt_id: 'R-1', store_id: 's', timestamp: '2025-03-01', total: '10' }
  const refusal = (r: Record<string, unknown>) => {
    const m = mapRow(receipts, r)
    return m.ok ? 'accepted' : m.code
  }

  it('refuses a row (SIL_IMPORT_VALUE_INVALID) for a timestamp out of range, never throwing', () => {
    expect(refusal(row)).toBe('accepted')
    for (const timestamp of [1e20, 0, '0', '2025-02-31', '03/04/2025']) {
      expect(refusal({ ...row, timestamp })).toBe('SIL_IMPORT_VALUE_INVALID')
    }
  })

  it('refuses hex amounts and quantities', () => {
    expect(refusal({ ...row, total: '0x1A' })).toBe('SIL_IMPORT_VALUE_INVALID')
    expect(refusal({ ...row, tax: 'Infinity' })).toBe('SIL_IMPORT_VALUE_INVALID')
    expect(refusal({ ...row, items: '[{"product_id":"p","price":"0x10","quantity":1}]' })).toBe(
      'SIL_IMPORT_VALUE_INVALID',
    )
    expect(refusal({ ...row, items: '[{"product_id":"p","price":1,"quantity":"0b11"}]' })).toBe(
      'SIL_IMPORT_VALUE_INVALID',
    )
  })
})
