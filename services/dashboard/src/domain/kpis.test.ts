import { describe, expect, it } from 'vitest'
import { changeOf, EMPTY_COUNTS, tilesOf } from './kpis.js'

describe('tiles', () => {
  const counts = {
    ...EMPTY_COUNTS,
    visits: 200,
    bounces: 50,
    convertedVisits: 10,
    cartVisits: 40,
    abandonedVisits: 30,
    orders: 12,
    revenue: 1000,
  }

  it('rates from counts; the basket is revenue over orders; nothing divides by zero', () => {
    expect(tilesOf(counts)).toMatchObject({
      conversionRate: 0.05,
      bounceRate: 0.25,
      cartAbandonmentRate: 0.75,
      avgBasket: 83.33,
    })
    expect(tilesOf(EMPTY_COUNTS)).toMatchObject({
      conversionRate: null,
      avgBasket: null,
      cartAbandonmentRate: null,
    })
  })

  it('changes: relative for amounts, in points for rates, none from zero', () => {
    const now = tilesOf(counts)
    const before = tilesOf({ ...counts, visits: 100, bounces: 50, revenue: 500 })
    expect(changeOf('visits', now, before)).toBe(1)
    expect(changeOf('revenue', now, before)).toBe(1)
    expect(changeOf('bounceRate', now, before)).toBeCloseTo(-0.25)
    expect(changeOf('orders', now, tilesOf(EMPTY_COUNTS))).toBeNull()
  })
})
