import { describe, expect, it } from 'vitest'
import { parseRule } from './audience-rule.js'
import { firingKey, matches, statedConsent } from './trigger-match.js'

const cart = (value: unknown) => ({
  type: 'track',
  event: 'Cart Abandoned',
  userId: 'u1',
  properties: { value, currency: 'EUR' },
})

describe('trigger matching', () => {
  it('matches the event name and the condition over properties', () => {
    const t = { event: 'Cart Abandoned', condition: parseRule('value > 100 and currency in (EUR)') }
    expect(matches(t, cart(180))).toBe(true)
    expect(matches(t, cart('180.5'))).toBe(true)
    expect(matches(t, cart(100))).toBe(false)
    expect(matches(t, cart(undefined))).toBe(false)
    expect(matches(t, { ...cart(180), event: 'Order Completed' })).toBe(false)
    expect(matches({ event: 'Order Completed' }, { type: 'track', event: 'Order Completed' })).toBe(true)
  })

  it('keys a firing by trigger, person and cool-down window', () => {
    const h = 3_600_000
    const a = firingKey('big', cart(1), 24, 5 * h)
    expect(firingKey('big', cart(1), 24, 20 * h).messageId).toBe(a.messageId)
    expect(firingKey('big', cart(1), 24, 25 * h).messageId).not.toBe(a.messageId)
    expect(firingKey('other', cart(1), 24, 5 * h).messageId).not.toBe(a.messageId)
    expect(a.anonymousId).toBe('')
  })

  it('reads consent from the event itself', () => {
    expect(statedConsent({ context: { consent: { categories: ['marketing'] } } })).toEqual(['marketing'])
    expect(statedConsent({ event: 'Consent Updated', properties: { categories: [] } })).toEqual([])
    expect(statedConsent({})).toBeUndefined()
  })
})
