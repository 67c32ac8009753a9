import { describe, expect, it } from 'vitest'
import { parseRule } from './audience-rule.js'
import { firingKey, inCooldown, matches, statedConsent } from './trigger-match.js'

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

  it('keys a firing by trigger, person and the event that fired it', () => {
    const h = 3_600_000
    const e = { ...cart(1), messageId: 'm1' }
    const a = firingKey('big', e, 5 * h)
    expect(firingKey('big', e, 5 * h).messageId).toBe(a.messageId)
    expect(firingKey('big', { ...e, messageId: 'm2' }, 5 * h).messageId).not.toBe(a.messageId)
    expect(firingKey('other', e, 5 * h).messageId).not.toBe(a.messageId)
    expect(a.windowStart).toBe(5 * h)
    expect(a.anonymousId).toBe('')
  })

  it('keeps a rolling cool-down, not epoch-aligned buckets', () => {
    const h = 3_600_000
    // 23:50 and 00:10 straddle a day boundary: a fixed 24 h bucket would fire twice.
    expect(inCooldown(24 * h + 10 * 60_000, [23 * h + 50 * 60_000], 24)).toBe(true)
    expect(inCooldown(47 * h + 49 * 60_000, [23 * h + 50 * 60_000], 24)).toBe(true)
    expect(inCooldown(47 * h + 50 * 60_000, [23 * h + 50 * 60_000], 24)).toBe(false)
    // Out of order: an event just before a firing is inside its cool-down too.
    expect(inCooldown(23 * h, [23 * h + 50 * 60_000], 24)).toBe(true)
    expect(inCooldown(5 * h, [5 * h], 0)).toBe(false)
    expect(inCooldown(5 * h, [], 24)).toBe(false)
  })

  it('reads consent from the event itself', () => {
    expect(statedConsent({ context: { consent: { categories: ['marketing'] } } })).toEqual(['marketing'])
    expect(statedConsent({ event: 'Consent Updated', properties: { categories: [] } })).toEqual([])
    expect(statedConsent({})).toBeUndefined()
  })
})
