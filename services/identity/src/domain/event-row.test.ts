import { describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { toEventRow } from './event-row.js'

describe('toEventRow', () => {
  it('maps Segment fields to snake_case columns and fills the hot e-commerce and page columns', () => {
    const event = {
      type: 'track',
      event: 'Order Completed',
      messageId: 'm1',
      anonymousId: 'a1',
      userId: 'u1',
      timestamp: '2026-01-01T10:00:00.000Z',
      originalTimestamp: '2026-01-01T09:59:00.000Z',
      receivedAt: '2026-01-01T10:00:01.000Z',
      sourceId: 'web',
      properties: { order_id: 'o1', revenue: '42.5', currency: 'EUR', products: [{ product_id: 'p1' }] },
      context: {
        page: { url: 'https://shop/cart?x=1', path: '/cart', referrer: 'https://google', title: 'Cart' },
        campaign: { source: 'newsletter', medium: 'email', name: 'black-friday' },
        sessionId: 1700000000,
        consent: { categories: ['analytics'] },
        library: { name: 'sillage.js', version: '1.0.0' },
      },
    } as EnrichedEvent
    const row = toEventRow(event, 'p-1')
    expect(row).toMatchObject({
      message_id: 'm1',
      type: 'track',
      event: 'Order Completed',
      person_id: 'p-1',
      session_id: '1700000000',
      page_path: '/cart',
      referrer: 'https://google',
      utm_source: 'newsletter',
      utm_campaign: 'black-friday',
      revenue: 42.5,
      currency: 'EUR',
      order_id: 'o1',
      library_name: 'sillage.js',
      original_timestamp: '2026-01-01T09:59:00.000Z',
      sent_at: null,
    })
    expect(row.consent).toEqual({ categories: ['analytics'] })
    expect((row.properties as Record<string, unknown>)['products']).toEqual([{ product_id: 'p1' }])
  })

  it('takes page fields from the properties of a page call and leaves revenue null when absent', () => {
    const row = toEventRow(
      {
        type: 'page',
        name: 'Home',
        messageId: 'm2',
        anonymousId: 'a1',
        timestamp: '2026-01-01T10:00:00.000Z',
        receivedAt: '2026-01-01T10:00:00.000Z',
        sourceId: 'web',
        properties: { path: '/', url: 'https://shop/' },
      } as EnrichedEvent,
      'p',
    )
    expect([row.name, row.page_path, row.page_url, row.revenue, row.user_id]).toEqual([
      'Home',
      '/',
      'https://shop/',
      null,
      '',
    ])
  })
})
