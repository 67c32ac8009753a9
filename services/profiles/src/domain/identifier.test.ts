import { describe, expect, it } from 'vitest'
import { hasMalformedQueryValue, lookupKey } from './identifier.js'

describe('query value', () => {
  it('finds a value parameter whose escapes do not decode, and only that parameter', () => {
    for (const url of ['/x?value=%ZZ', '/x?a=1&value=%C0%AF', '/x?value=a%2', '/x?val%75e=%E2%82']) {
      expect(hasMalformedQueryValue(url), url).toBe(true)
    }
    for (const url of ['/x', '/x?value=%25ZZ', '/x?value=a+b%40c', '/x?other=%ZZ&value=1', '/x?value']) {
      expect(hasMalformedQueryValue(url), url).toBe(false)
    }
  })
})

describe('lookup key', () => {
  it("refuses identity's blocked values, default and configured, as identity compares them", () => {
    for (const v of ['guest', ' N/A ', '"null"', '000000', '-', '00000000-0000-0000-0000-000000000000']) {
      expect(lookupKey('user_id', v), v).toBeUndefined()
    }
    expect(lookupKey('user_id', 'u-42')?.key).toBe('user_id:u-42')
    expect(lookupKey('loyalty_card', 'LC-0', undefined, new Set(['lc-0']))).toBeUndefined()
    expect(lookupKey('loyalty_card', 'LC-0', undefined, new Set())?.key).toBe('loyalty_card:LC-0')
  })
})
