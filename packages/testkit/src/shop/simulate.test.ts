import { describe, expect, it } from 'vitest'
import { generateShop } from './simulate.js'

const DAY = 86_400_000
const shop = generateShop({ seed: 99, shoppers: 150, days: 90 })

describe('generateShop', () => {
  it('is a pure function of its options', () => {
    const again = generateShop({ seed: 99, shoppers: 150, days: 90 })
    expect(again.events).toEqual(shop.events)
    expect(again.truth).toEqual(shop.truth)
    const other = generateShop({ seed: 100, shoppers: 150, days: 90 })
    expect(other.events).not.toEqual(shop.events)
  })

  it('gives each shopper the same behaviour whatever the number of shoppers', () => {
    const more = generateShop({ seed: 99, shoppers: 160, days: 90 })
    const first = (s: typeof shop) => s.events.filter((g) => g.personKey === 'shopper-0007')
    expect(first(more)).toEqual(first(shop))
  })

  it('keeps the invariants the ground truth relies on', () => {
    const ids = new Set(shop.events.map((g) => g.event.messageId))
    expect(ids.size).toBe(shop.events.length)
    for (const s of shop.truth.sessions) {
      // No session crosses midnight, nor ends within 3 hours of the end.
      expect(Math.floor(s.start / DAY)).toBe(Math.floor(s.end / DAY))
      expect(s.end).toBeLessThan(shop.end - 3 * 3_600_000)
    }
    const byPerson = new Map<string, number[]>()
    for (const g of shop.events) byPerson.set(g.personKey, [...(byPerson.get(g.personKey) ?? []), g.at])
    const sessionStarts = new Set(shop.truth.sessions.map((s) => `${s.personKey}@${s.start}`))
    for (const [person, times] of byPerson) {
      for (let i = 1; i < times.length; i++) {
        const gap = times[i]! - times[i - 1]!
        const newSession = sessionStarts.has(`${person}@${times[i]}`)
        // Within a session, under 28 minutes; between sessions, at least 3 hours.
        if (newSession) expect(gap).toBeGreaterThanOrEqual(3 * 3_600_000)
        else expect(gap).toBeLessThan(28 * 60_000)
      }
    }
  })

  it('covers the scenarios the models must handle', () => {
    const { sessions, orders, abandonments, lateOrders } = shop.truth
    expect(new Set(sessions.map((s) => s.channel))).toEqual(new Set(['web', 'app', 'store']))
    expect(sessions.some((s) => s.bounced)).toBe(true)
    expect(orders.length).toBeGreaterThan(50)
    expect(abandonments.length).toBeGreaterThan(0)
    expect(shop.truth.leftAtCheckout.length).toBeGreaterThan(0)
    expect(lateOrders.length).toBeGreaterThan(0)
    expect(shop.events.some((g) => g.event.event === 'Product Removed')).toBe(true)
    expect(shop.events.some((g) => g.event.event === 'Consent Updated')).toBe(true)
    // Every order's lines add up to its revenue before the coupon.
    for (const o of orders)
      expect(o.revenue).toBeLessThanOrEqual(o.items.reduce((n, l) => n + l.price * l.quantity, 0) + 0.01)
  })
})
