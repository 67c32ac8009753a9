import { describe, expect, it } from 'vitest'
import { createShoppers } from './shoppers.js'

const [start, end] = [Date.UTC(2026, 0, 1), Date.UTC(2026, 3, 1)]

describe('createShoppers: the identity layer', () => {
  it('adds the identity traits without shifting any other trait', () => {
    const plain = createShoppers(5, 400, start, end)
    const layered = createShoppers(5, 400, start, end, { identity: true })
    expect(layered.map(({ identity: _identity, ...rest }) => rest)).toEqual(plain)
    expect(plain.every((s) => s.identity === undefined)).toBe(true)
  })

  it('draws every identity situation the identity scenario needs', () => {
    const shoppers = createShoppers(5, 400, start, end, { identity: true })
    const traits = shoppers.map((s) => s.identity!)
    expect(traits.some((t) => t.newsletter)).toBe(true)
    expect(traits.some((t) => t.storeCard)).toBe(true)
    expect(traits.some((t) => t.registersCard)).toBe(true)
    expect(traits.some((t) => t.extraAnonymousIds.some((ids) => ids.length > 0))).toBe(true)
    expect(traits.some((t) => t.junkUserId !== undefined)).toBe(true)
    const homes = shoppers.filter((s) => s.identity?.household)
    expect(homes.length).toBeGreaterThan(0)
    for (const s of homes) {
      const other = shoppers.find((o) => o.key === s.identity!.household!.with)
      expect(other?.identity?.household?.id).toBe(s.identity!.household!.id)
      expect(s.member && other?.member).toBe(true)
    }
    // Guests only give an email to the newsletter; members only register a card they hold.
    for (const s of shoppers) {
      if (s.member) expect(s.identity!.newsletter).toBe(false)
      if (s.identity!.registersCard) expect(s.loyaltyCard).toBeDefined()
    }
  })
})
