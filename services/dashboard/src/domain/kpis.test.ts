import { describe, expect, it } from 'vitest'
import { changeOf, countsOf, EMPTY_COUNTS, tilesOf } from './kpis.js'

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

  it('an unknown revenue (a sum too large for a double) stays unknown, never 0', () => {
    const tiles = tilesOf({ ...counts, revenue: null })
    expect(tiles).toMatchObject({ revenue: null, avgBasket: null, orders: 12 })
    expect(changeOf('revenue', tiles, tilesOf(counts))).toBeNull()
    expect(changeOf('avgBasket', tilesOf(counts), tiles)).toBeNull()
    // Huge but finite: kept as it is (x * 100 would overflow), and a change that overflows is none.
    expect(tilesOf({ ...counts, revenue: 1.7e308 }).revenue).toBe(1.7e308)
    expect(
      changeOf('revenue', tilesOf({ ...counts, revenue: 1.7e308 }), tilesOf({ ...counts, revenue: 1e-10 })),
    ).toBeNull()
    expect(countsOf({ orders: '3', revenue: null }).revenue).toBeNull()
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
