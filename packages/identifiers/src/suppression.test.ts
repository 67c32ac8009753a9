import { describe, expect, it } from 'vitest'
import { sha256Hex } from './pii.js'
import {
  applySuppressionRecord,
  createSuppressionList,
  eventIdentifiers,
  suppressionKey,
} from './suppression.js'

describe('suppression list', () => {
  it('finds every identifier an event carries, in stored form', () => {
    expect(
      eventIdentifiers({
        type: 'identify',
        userId: 42,
        anonymousId: ' a1 ',
        traits: { email: 'Jane@Example.com', loyaltyCard: 'LC-1' },
        context: {
          traits: { phone: '+33 6 12 34 56 78' },
          device: { id: 'dev-1' },
          externalIds: [
            { type: 'Shopify.Customer', id: 'c9' },
            { type: 7, id: 'x' },
          ],
        },
      }),
    ).toEqual([
      { type: 'user_id', value: '42' },
      { type: 'anonymous_id', value: 'a1' },
      { type: 'email', value: sha256Hex('jane@example.com') },
      { type: 'loyalty_card', value: 'LC-1' },
      { type: 'phone', value: sha256Hex('+33612345678') },
      { type: 'device_id', value: 'dev-1' },
      { type: 'shopify_customer', value: 'c9' },
    ])
    expect(eventIdentifiers({ type: 'alias', userId: 'u', previousId: 'old' })).toEqual([
      { type: 'user_id', value: 'u' },
      { type: 'user_id', value: 'old' },
      { type: 'anonymous_id', value: 'old' },
    ])
    expect(
      eventIdentifiers({ type: 'track', anonymousId: 'a', properties: { loyalty_card: 'LC-2' } }),
    ).toContainEqual({
      type: 'loyalty_card',
      value: 'LC-2',
    })
  })

  it('matches an event by any suppressed identifier; a tombstone lifts it', () => {
    const list = createSuppressionList()
    const key = suppressionKey({ type: 'email', value: sha256Hex('jane@example.com') })
    const event = { type: 'identify', userId: 'u9', traits: { email: ' JANE@example.com' } }
    expect(list.match(event)).toBeUndefined()
    applySuppressionRecord(list, key, Buffer.from('{"idType":"email"}'))
    expect(list.match(event)).toEqual({ type: 'email', value: sha256Hex('jane@example.com') })
    expect(list.match({ type: 'track', userId: 'u9' })).toBeUndefined()
    applySuppressionRecord(list, key, Buffer.alloc(0))
    expect(list.size).toBe(0)
  })
})
