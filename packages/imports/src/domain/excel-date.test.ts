import { describe, expect, it } from 'vitest'
import { excelSerialDate } from './instant.js'
import { mapRow } from './map-row.js'
import { resolveMapping } from './mapping.js'

// A date column that Excel exported as its serial number (days since 1900) is refused with a
// code of its own, saying so, instead of the generic date refusal; it is never read as a date.
describe('Excel serial dates', () => {
  const receipts = resolveMapping('receipts')
  const crm = resolveMapping('crm')
  const row = { receipt_id: 'R-1', store_id: 's', timestamp: '2025-03-01', total: '10' }
  const refusal = (m: ReturnType<typeof mapRow>) => (m.ok ? undefined : m)

  it('refuses 45634 and 45634.5 (CSV text or NDJSON numbers) with SIL_IMPORT_VALUE_EXCEL_DATE, naming the day Excel meant and ISO 8601', () => {
    for (const timestamp of ['45634', ' 45634.5 ', 45634, 45634.5, '45634,5']) {
      const r = refusal(mapRow(receipts, { ...row, timestamp }))
      expect(r?.code).toBe('SIL_IMPORT_VALUE_EXCEL_DATE')
      expect(r?.reason).toContain('looks like an Excel serial date (2024-12-08')
      expect(r?.reason).toContain('ISO 8601')
    }
    expect(refusal(mapRow(receipts, { ...row, timestamp: '45634.5' }))?.reason).toContain('2024-12-08T12:00')
  })

  it('does the same for a CRM date column and a consent date', () => {
    const contact = { customer_id: 'u-1', updated_at: '45000' }
    expect(refusal(mapRow(crm, contact))?.code).toBe('SIL_IMPORT_VALUE_EXCEL_DATE')
    const consent = { customer_id: 'u-1', consent_marketing: 'yes', consent_marketing_at: '45000.25' }
    expect(refusal(mapRow(crm, consent))?.code).toBe('SIL_IMPORT_VALUE_EXCEL_DATE')
  })

  it('keeps the generic refusal for numbers no Excel date of 1971..2099 has, and accepts epochs and ISO as before', () => {
    for (const timestamp of ['12345', '99999', '0', '1234567']) {
      expect(refusal(mapRow(receipts, { ...row, timestamp }))?.code).toBe('SIL_IMPORT_VALUE_INVALID')
    }
    for (const timestamp of ['1733616000', '1733616000000', '2024-12-08', 1733616000]) {
      expect(mapRow(receipts, { ...row, timestamp }).ok).toBe(true)
    }
    expect(excelSerialDate('25933')).toBeUndefined() // 1970-12-31
    expect(excelSerialDate('25934')).toBe('1971-01-01')
    expect(excelSerialDate('73050.75')).toBe('2099-12-31T18:00')
    expect(excelSerialDate('73051')).toBeUndefined()
  })
})
