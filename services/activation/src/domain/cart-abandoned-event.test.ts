import { describe, expect, it } from 'vitest'
import {
  isoFromClickHouse,
  partitionKeyOf,
  toCartAbandonedEvent,
  type AbandonedCartRow,
} from './cart-abandoned-event.js'

const row: AbandonedCartRow = {
  person_id: 'p1',
  user_id: 'u-1',
  anonymous_id: 'a-1',
  last_activity_at: '2026-03-01 10:15:00.250',
  abandoned_at: '2026-03-01 10:45:00.250',
  trigger_message_id: 'm-1',
  abandonment_message_id: 'ca-0123',
  cart_id: 'cart-1',
  products: [['p-1', 'SKU-1', 'Bougie', 'Bougies', 'Sillage', 32.5, 2]],
  value: 65,
  item_count: 2,
  currency: 'EUR',
}

describe('toCartAbandonedEvent', () => {
  it('builds a track event of source sillage with the cart, keyed by the deterministic id', () => {
    const e = toCartAbandonedEvent(row, { receivedAt: '2026-03-01T11:00:00.000Z', windowMinutes: 30 })
    expect(e).toMatchObject({
      type: 'track',
      event: 'Cart Abandoned',
      messageId: 'ca-0123',
      userId: 'u-1',
      sourceId: 'sillage',
      timestamp: '2026-03-01T10:45:00.250Z',
      receivedAt: '2026-03-01T11:00:00.000Z',
      properties: {
        cart_id: 'cart-1',
        value: 65,
        item_count: 2,
        last_activity_at: '2026-03-01T10:15:00.250Z',
        window_minutes: 30,
        products: [
          {
            product_id: 'p-1',
            sku: 'SKU-1',
            name: 'Bougie',
            category: 'Bougies',
            brand: 'Sillage',
            price: 32.5,
            quantity: 2,
          },
        ],
      },
    })
    expect(e.anonymousId).toBeUndefined()
    expect(partitionKeyOf(e)).toBe('u-1')
  })

  it('names an anonymous person by its anonymous id', () => {
    const e = toCartAbandonedEvent(
      { ...row, user_id: '' },
      { receivedAt: '2026-03-01T11:00:00.000Z', windowMinutes: 30 },
    )
    expect(e.anonymousId).toBe('a-1')
    expect(e.userId).toBeUndefined()
    expect(partitionKeyOf(e)).toBe('a-1')
  })

  it('reads ClickHouse DateTime64 text as UTC and refuses anything else', () => {
    expect(isoFromClickHouse('2026-01-02 03:04:05.006')).toBe('2026-01-02T03:04:05.006Z')
    expect(() => isoFromClickHouse('yesterday')).toThrow(/DateTime64/)
  })
})
