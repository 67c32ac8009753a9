import { rngFor, type Rng } from '../prng.js'
import { createCatalogue } from '../shop/catalogue.js'
import type { Device, Product, SegmentEvent, Shopper } from './types.js'

/** What a shopper does during a visit, once the identity steps are placed. */

export interface BrowseContext {
  rng: Rng
  catalogue: readonly Product[]
  shopper: Shopper
  device: Device
  /** Emits one event with the device's identity fields and the next timestamp of the visit. */
  emit(fields: Record<string, unknown> & { type: SegmentEvent['type'] }): void
}

/**
 * The shop generator's catalogue (shop/catalogue.ts) for `seed`: the same products as the
 * analytics shop (`simulateShop`) of the same seed.
 */
export function defaultCatalogue(seed = 1): Product[] {
  return createCatalogue(rngFor(seed, 'catalogue'))
}

/** The default visit: a few page and product views (screens in the app). */
export function browseProducts(ctx: BrowseContext): void {
  const n = ctx.rng.int(1, 5)
  for (let i = 0; i < n; i++) {
    const product = ctx.rng.pick(ctx.catalogue)
    if (ctx.device.kind === 'app') {
      ctx.emit({ type: 'screen', name: 'Product', properties: { product_id: product.product_id } })
    } else if (ctx.rng.chance(0.4)) {
      ctx.emit({
        type: 'page',
        name: 'Category',
        properties: { path: `/c/${product.category.toLowerCase()}` },
      })
    } else {
      ctx.emit({
        type: 'track',
        event: 'Product Viewed',
        properties: {
          product_id: product.product_id,
          price: product.price,
          currency: 'EUR',
          category: product.category,
        },
      })
    }
  }
}
