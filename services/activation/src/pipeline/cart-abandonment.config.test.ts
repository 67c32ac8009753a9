import { describe, expect, it } from 'vitest'
import { CART_ABANDONMENT_ENV_VARS, loadCartAbandonmentConfig } from './cart-abandonment.config.js'

describe('loadCartAbandonmentConfig', () => {
  it('defaults to a 30-minute window, looked at every minute, with a 2-minute grace', () => {
    expect(loadCartAbandonmentConfig({})).toEqual({
      enabled: true,
      windowMinutes: 30,
      intervalMs: 60_000,
      graceMs: 120_000,
      lookbackHours: 168,
      batchLimit: 5000,
    })
  })

  it('parses booleans strictly and reports every problem at once', () => {
    expect(loadCartAbandonmentConfig({ SILLAGE_CART_ABANDONMENT: 'false' }).enabled).toBe(false)
    expect(() =>
      loadCartAbandonmentConfig({
        SILLAGE_CART_ABANDONMENT: 'nope',
        SILLAGE_CART_ABANDONMENT_WINDOW_MINUTES: '0',
      }),
    ).toThrow(/SILLAGE_CART_ABANDONMENT:[\s\S]*SILLAGE_CART_ABANDONMENT_WINDOW_MINUTES/)
  })

  it('lists the variables it reads', () => {
    expect(CART_ABANDONMENT_ENV_VARS).toContain('SILLAGE_CART_ABANDONMENT_GRACE_MS')
  })
})
