import { DEFAULT_IDENTITY_MIX, type IdentityMix } from '../shop/identity-traits.js'
import type { Product } from './types.js'
import type { BrowseContext } from './browse.js'

/** The identity scenario's knobs: the mix of identity situations, and the generator's options. */

/**
 * The mix of identity situations: the shoppers' identity layer (`IdentityMix`, drawn by
 * `createShoppers`), and what happens on visits.
 */
export interface ShopperMix extends IdentityMix {
  /** Account holders who also sign up to the newsletter anonymously on a device they never log in on. */
  newsletterCrossDevice: number
  /** Store purchases without a loyalty card, per store visit. */
  walkIns: number
  /** Store receipts that carry the card holder's email (e-receipt). */
  receiptEmail: number
}

export const DEFAULT_MIX: Readonly<ShopperMix> = Object.freeze({
  ...DEFAULT_IDENTITY_MIX,
  newsletterCrossDevice: 0.2,
  walkIns: 0.05,
  receiptEmail: 0.3,
})

export interface ShopGeneratorOptions {
  seed?: number
  shoppers?: number
  /** The period's start, epoch ms: shoppers arrive and churn within it (`createShoppers`). */
  startMs?: number
  days?: number
  /** Visits per shopper, both included. */
  visits?: readonly [number, number]
  mix?: Partial<ShopperMix>
  catalogue?: readonly Product[]
  /** What a shopper does during a visit once the identity steps are placed; default `browseProducts`. */
  browse?: (ctx: BrowseContext) => void
}
