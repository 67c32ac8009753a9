import { describe, expect, it } from 'vitest'
import { mapRow, type ImportEvent } from './map-row.js'
import { resolveMapping } from './mapping.js'
import { receiptOrderId } from './order-id.js'

// Tills number their receipts per shop: receipt 0001 of Paris and 0001 of Nice are two orders.
const receipts = resolveMapping('receipts')
const receipt = (store: string, no: string, extra: Record<string, unknown> = {}) => ({
  receipt_id: no,
  store_id: store,
  timestamp: '2025-03-01 10:15:00',
  total: '10',
  ...extra,
})
const event = (row: Record<string, unknown>): ImportEvent => {
  const m = mapRow(receipts, row)
  if (!m.ok || !m.events?.[0]) throw new Error(`not mapped: ${JSON.stringify(m)}`)
  return m.events[0]
}
const props = (e: ImportEvent) => e['properties'] as Record<string, unknown>

describe('the order id of an imported receipt', () => {
  it('is the store and the receipt number, so the same number in two stores is two orders', () => {
    const paris = event(receipt('paris', '0001'))
    const nice = event(receipt('nice', '0001'))
    expect(props(paris)).toMatchObject({ order_id: 'paris:0001', receipt_id: '0001', store_id: 'paris' })
    expect(props(nice)).toMatchObject({ order_id: 'nice:0001', receipt_id: '0001', store_id: 'nice' })
  })

  it('keeps the messageId it had before the order id carried the store (a re-import adds nothing)', () => {
    // Values computed by the import before this change: already imported receipts are duplicates.
    expect(event(receipt('paris', '0001')).messageId).toBe('2f454c67-364a-55da-9594-76081c9e5cc6')
    expect(event(receipt('nice', '0001', { total: '99' })).messageId).toBe(
      'a8a77b1e-761a-50a6-bed4-713f44695d89',
    )
  })

  it('gives a line item that names its order the same order id', () => {
    const items = JSON.stringify([
      { product_id: 'p-1', price: 5, order_id: '0001' },
      { product_id: 'p-2', price: 5 },
    ])
    expect(props(event(receipt('nice', '0001', { items })))['products']).toEqual([
      { product_id: 'p-1', price: 5, quantity: 1, order_id: 'nice:0001' },
      { product_id: 'p-2', price: 5, quantity: 1 },
    ])
  })

  it('escapes a separator in the store id, so that two (store, receipt) pairs never meet', () => {
    expect(receiptOrderId('a:b', 'c')).toBe('a\\:b:c')
    expect(receiptOrderId('a', 'b:c')).toBe('a:b:c')
    expect(receiptOrderId('a\\', ':c')).not.toBe(receiptOrderId('a', '\\:c'))
    expect(receiptOrderId('a\\', ':c')).toBe('a\\\\::c')
  })
})
