import { rngFor } from '../prng.js'
import type { Shopper } from './shoppers.js'

/**
 * The identity layer of `createShoppers`: what stitching needs and the analytics shop does not
 * use. Drawn from streams of its own (`identity:<index>`, `households`), never from a shopper's
 * `shopper:<index>` stream, so that asking for it leaves every other trait, and the shop's
 * events, as they were.
 */
export interface IdentityMix {
  /** Guests who sign up to the newsletter with their email (and have no account). */
  newsletterOnly: number
  /** Guests who hold a loyalty card and buy in store (members hold the shop's `loyaltyCard`). */
  storeCustomer: number
  /** Card-holding members who register the card on their online account. */
  registersCard: number
  /** App installs re-installed once: the device gets a second anonymous id. */
  reinstall: number
  /** Members who share a household computer with another member (paired in index order). */
  sharedComputer: number
  /** Shoppers whose browser integration sends a junk userId ("null", "0", …) on anonymous events. */
  junkUserId: number
}

export const DEFAULT_IDENTITY_MIX: Readonly<IdentityMix> = Object.freeze({
  newsletterOnly: 0.3,
  storeCustomer: 0.3,
  registersCard: 0.6,
  reinstall: 0.3,
  sharedComputer: 0.05,
  junkUserId: 0.02,
})

/** The values a buggy integration sends as a userId; the identity rules block every one. */
export const JUNK_USER_IDS = ['null', 'undefined', '0', 'anonymous', '[object Object]', 'NaN', 'guest', ' ']

export interface IdentityTraits {
  /** Per device (same index as `devices`): anonymous ids after the first (an app re-installed). */
  extraAnonymousIds: string[][]
  /** A guest who gives their email to the newsletter. */
  newsletter: boolean
  /** A guest's loyalty card, used in store. */
  storeCard?: string
  /** The member registers their loyalty card online (identify with traits.loyalty_card). */
  registersCard: boolean
  /** A household computer shared with another member (`with`: their key). */
  household?: { id: string; anonymousId: string; with: string }
  /** The junk userId this shopper's browser sends on anonymous events. */
  junkUserId?: string
}

/** Adds `identity` to each shopper, in place. Pure in (seed, the shoppers, mix). */
export function addIdentityTraits(seed: number, shoppers: Shopper[], mix: IdentityMix): void {
  for (const shopper of shoppers) {
    const rng = rngFor(seed, `identity:${shopper.index}`)
    const id = String(shopper.index).padStart(4, '0')
    // Every draw is made for every shopper, in this order, so that one trait never shifts another.
    const newsletter = rng.chance(mix.newsletterOnly)
    const storeCustomer = rng.chance(mix.storeCustomer)
    const registersCard = rng.chance(mix.registersCard)
    const junk = rng.chance(mix.junkUserId)
    const junkValue = rng.pick(JUNK_USER_IDS)
    const extraAnonymousIds = shopper.devices.map((d) =>
      rng.chance(mix.reinstall) && d.kind === 'app' ? [`anon-${id}-r-${rng.hex(8)}`] : [],
    )
    shopper.identity = {
      extraAnonymousIds,
      newsletter: !shopper.member && newsletter,
      ...(!shopper.member && storeCustomer ? { storeCard: `LC-G${id}` } : {}),
      registersCard: shopper.member && shopper.loyaltyCard !== undefined && registersCard,
      ...(junk ? { junkUserId: junkValue } : {}),
    }
  }
  // Households: pairs of members sharing one computer (its anonymous id persists).
  const rng = rngFor(seed, 'households')
  const candidates = shoppers.filter((s) => s.member && rng.chance(mix.sharedComputer))
  for (let i = 0; i + 1 < candidates.length; i += 2) {
    const [a, b] = [candidates[i]!, candidates[i + 1]!]
    const household = { id: `home-${a.key}-${b.key}`, anonymousId: `anon-home-${rng.hex(16)}` }
    a.identity!.household = { ...household, with: b.key }
    b.identity!.household = { ...household, with: a.key }
  }
}
