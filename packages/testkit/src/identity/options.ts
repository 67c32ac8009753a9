import type { Product } from './types.js'
import type { BrowseContext } from './browse.js'

/** The identity scenario's knobs: the mix of identity situations, and the generator's options. */

export interface ShopperMix {
  /** Shoppers with an online account. */
  account: number
  /** Shoppers without an account who sign up to the newsletter with their email. */
  newsletterOnly: number
  /** Account holders who also sign up to the newsletter anonymously on a device they never log in on. */
  newsletterCrossDevice: number
  /** Shoppers with a loyalty card who buy in store. */
  storeCustomer: number
  /** Card holders with an account who register the card online. */
  registersCard: number
  /** Shoppers using the app. */
  app: number
  /** Account holders who give a phone number. */
  phone: number
  /** Account holders who share a household computer with another account holder. */
  sharedComputer: number
  /** Anonymous web events sent with a junk userId ("null", "0", …) by a buggy integration. */
  junkUserId: number
  /** Store purchases without a loyalty card, per shopper. */
  walkIns: number
  /** Store receipts that carry the card holder's email (e-receipt). */
  receiptEmail: number
}

export const DEFAULT_MIX: Readonly<ShopperMix> = Object.freeze({
  account: 0.6,
  newsletterOnly: 0.3,
  newsletterCrossDevice: 0.2,
  storeCustomer: 0.3,
  registersCard: 0.6,
  app: 0.2,
  phone: 0.3,
  sharedComputer: 0.05,
  junkUserId: 0.01,
  walkIns: 0.05,
  receiptEmail: 0.3,
})

export interface ShopGeneratorOptions {
  seed?: number
  shoppers?: number
  /** First visit, epoch ms. */
  startMs?: number
  days?: number
  /** Visits per shopper, both included. */
  visits?: readonly [number, number]
  mix?: Partial<ShopperMix>
  catalogue?: readonly Product[]
  /** What a shopper does during a visit once the identity steps are placed; default `browseProducts`. */
  browse?: (ctx: BrowseContext) => void
}
