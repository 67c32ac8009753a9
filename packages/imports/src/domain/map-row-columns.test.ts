import { describe, expect, it } from 'vitest'
import { mapRow } from './map-row.js'
import { resolveMapping } from './mapping.js'

const receipts = resolveMapping('receipts')

describe('mapRow: the columns a row names', () => {
  it('reads a column whose name differs only in case and spaces (`Receipt_ID `)', () => {
    const m = mapRow(receipts, {
      'Receipt_ID ': 'R1',
      STORE_ID: 's1',
      TimeStamp: '2025-01-02',
      ' Total': '3',
    })
    expect(m.ok && m.events?.[0]).toMatchObject({
      properties: { receipt_id: 'R1', store_id: 's1', total: 3 },
    })
  })

  it('says when the row has no such column, listing the ones it has, rather than that it is empty', () => {
    const m = mapRow(receipts, { 'receipt_id;store_id;timestamp;total': 'R1;s1;2025-01-02;3' })
    expect(m).toMatchObject({ ok: false, code: 'SIL_IMPORT_FIELD_MISSING' })
    expect(!m.ok && m.reason).toContain('the row has no column "receipt_id"')
    expect(!m.ok && m.reason).toContain('"receipt_id;store_id;timestamp;total"')
    const empty = mapRow(receipts, { receipt_id: '', store_id: 's1', timestamp: '2025-01-02', total: '3' })
    expect(!empty.ok && empty.reason).toBe('receipt_id (column "receipt_id") is empty')
  })

  it('never reads an object property as a column (`constructor`)', () => {
    const m = resolveMapping('receipts', { properties: { note: 'constructor' } })
    const out = mapRow(m, { receipt_id: 'R1', store_id: 's1', timestamp: '2025-01-02', total: '3' })
    expect(out.ok && out.events?.[0]?.['properties']).not.toHaveProperty('note')
  })
})
