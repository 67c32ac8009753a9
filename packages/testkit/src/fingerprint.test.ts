import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateShop as generateIdentityShop } from './identity/index.js'
import { generateImportScenario } from './imports/index.js'
import {
  abandonedCarts,
  customers,
  dailyKpis,
  funnelLevels,
  generateShop,
  productPerformance,
  purchasedWithin,
  rfmAt,
  segmentTransitions,
} from './shop/index.js'

/**
 * Fingerprints of fixed seeds: a refactoring of the generators (moving code between files,
 * sharing shoppers between scenarios) must give the same output for the same seed. A change of a
 * figure here is a change of the scenario: make it on purpose, and say why in the commit.
 */
const sha = (value: unknown): string =>
  createHash('sha256')
    .update(
      JSON.stringify(value, (_, v: unknown) =>
        v instanceof Map ? [...v] : v instanceof Set ? [...v] : v === undefined ? null : v,
      ),
    )
    .digest('hex')
    .slice(0, 16)

const DAY = 86_400_000

describe('generator fingerprints', () => {
  it('the analytics shop and its ground truth', () => {
    const shop = generateShop({ seed: 99, shoppers: 150, days: 90 })
    const mid = shop.start + 45 * DAY
    expect({
      shoppers: sha(shop.shoppers),
      events: sha(shop.events),
      truth: sha(shop.truth),
      kpis: sha(dailyKpis(shop)),
      products: sha(productPerformance(shop)),
      abandoned: sha(abandonedCarts(shop)),
      rfm: sha(rfmAt(shop, shop.end)),
      transitions: sha(segmentTransitions(shop, mid, shop.end)),
      funnel: sha(funnelLevels(shop, ['Product Viewed', 'Product Added', 'Order Completed'], 3600)),
      buyers: sha(purchasedWithin(shop, mid, 30)),
      customers: sha(customers(shop)),
    }).toMatchInlineSnapshot(`
      {
        "abandoned": "7b6dd10a6ef5a51f",
        "buyers": "abaabbdb2d38aad7",
        "customers": "12703f7356a45bea",
        "events": "1a66c3738c0121ea",
        "funnel": "fd139dd25a2637c9",
        "kpis": "f10144ae1b8b6214",
        "products": "8a27c961825f8d8d",
        "rfm": "3b4426c32e60cdee",
        "shoppers": "468c9a0cec8c15ee",
        "transitions": "7da9c56dd78d3d0f",
        "truth": "efe32f7838df0949",
      }
    `)
  })

  it('the identity scenario', () => {
    const shop = generateIdentityShop({ seed: 7, shoppers: 400 })
    expect({
      shoppers: sha(shop.shoppers),
      devices: sha(shop.devices),
      events: sha(shop.events),
    }).toMatchInlineSnapshot(`
      {
        "devices": "92500290308dddea",
        "events": "9efe7e3b1231a412",
        "shoppers": "262d993ce512713b",
      }
    `)
  })

  it('the import scenario', () => {
    expect(sha(generateImportScenario({ seed: 3, people: 200 }))).toMatchInlineSnapshot(`"1c4589d6524b0355"`)
  })
})
