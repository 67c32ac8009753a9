import { rngFor, type Rng } from '../prng.js'
import { createCatalogue, type Product } from '../shop/catalogue.js'
import { appStream } from './app-stream.js'
import { summariseTruth } from './truth-summary.js'

/**
 * One retailer's year across channels, for the import acceptance test: live web and app events,
 * and three files to import (CRM contacts, the catalogue, store receipts), with the ground truth.
 *
 * People, by how they reach the shop:
 * - `web-card`: an account on the website (userId), a loyalty card; in the CRM; buys online and in
 *   the shops, the card (and sometimes the email) on the receipt; some also use the app;
 * - `web-email`: an account, no card; in the CRM; buys online and in the shops, giving the email;
 * - `store-crm`: never online; a card; in the CRM (customer id, email, card);
 * - `store-card`: never online; a card; not in the CRM;
 * - `web-guest`: browses and buys online as an anonymous visitor; never in a shop.
 * Anonymous receipts (no card, no email) are each a person of their own.
 */

export type ImportPersonKind = 'web-card' | 'web-email' | 'store-crm' | 'store-card' | 'web-guest'

export interface ImportPerson {
  key: string
  kind: ImportPersonKind
  userId?: string
  email: string
  loyaltyCard?: string
  anonymousId: string
  app?: { anonymousId: string; deviceId: string }
}

export interface ScenarioOrder {
  orderId: string
  /** The truth person key; `receipt:<id>` for an anonymous receipt. */
  personKey: string
  channel: 'web' | 'app' | 'store'
  at: number
  /** Cents. */
  totalCents: number
  storeId?: string
}

export interface ImportScenarioTruth {
  orders: ScenarioOrder[]
  /** Refused rows, by file: 1-based data row numbers. */
  refusedRows: { crm: number[]; receipts: number[] }
  /** Per store and UTC day (`YYYY-MM-DD|store`), orders and cents of the imported receipts. */
  storeDays: Record<string, { orders: number; cents: number }>
  /** People who bought on more than one channel. */
  crossChannelBuyers: number
  /** People with a web order and a store order. */
  webAndStoreBuyers: number
  /** Store orders with a product the person viewed online in the 30 days before. */
  roboOrders: number
  roboBuyers: number
  /** App sessions (each has screens: a visit). */
  appVisits: number
}

export interface ImportScenario {
  persons: ImportPerson[]
  catalogue: Product[]
  /** Live events, Segment spec, sorted by time: web (sillage.js) and app (analytics-ios). */
  events: Array<Record<string, unknown>>
  crmRows: Array<Record<string, unknown>>
  catalogueRows: Array<Record<string, unknown>>
  receiptRows: Array<Record<string, unknown>>
  truth: ImportScenarioTruth
}

const DAY = 86_400_000
const HOUR = 3_600_000
const STORES = ['paris-marais', 'lyon-presquile', 'bordeaux-chartrons'] as const
const KINDS: ReadonlyArray<readonly [ImportPersonKind, number]> = [
  ['web-card', 0.3],
  ['web-email', 0.2],
  ['store-crm', 0.2],
  ['store-card', 0.15],
  ['web-guest', 0.15],
]
const SHOP = 'https://shop.sillage.example'

const iso = (ms: number) => new Date(ms).toISOString()
const euros = (cents: number) => (cents / 100).toFixed(2)

function lines(rng: Rng, catalogue: readonly Product[]) {
  const items: Array<{ product_id: string; name: string; price: number; quantity: number }> = []
  for (let i = rng.int(1, 3); i > 0; i--) {
    const p = rng.pick(catalogue)
    if (!items.some((l) => l.product_id === p.product_id)) {
      items.push({ product_id: p.product_id, name: p.name, price: p.price, quantity: rng.int(1, 2) })
    }
  }
  const cents = items.reduce((s, l) => s + Math.round(l.price * 100) * l.quantity, 0)
  return { items, cents }
}

/** Pure in (seed, people, end): a year (365 days) before `end` (default 2026-01-01). */
export function generateImportScenario(options: {
  seed: number
  people: number
  end?: string
}): ImportScenario {
  const end = Date.parse(options.end ?? '2026-01-01T00:00:00Z')
  const start = end - 365 * DAY
  const catalogue = createCatalogue(rngFor(options.seed, 'catalogue'))
  const persons: ImportPerson[] = []
  const events: Array<Record<string, unknown>> = []
  const crmRows: Array<Record<string, unknown>> = []
  const receiptRows: Array<Record<string, unknown>> = []
  const orders: ScenarioOrder[] = []
  const views: Array<{ personKey: string; productId: string; at: number }> = []
  let appVisits = 0
  let receiptSeq = 0

  const receipt = (rng: Rng, personKey: string, day: number, ids: { card?: string; email?: string }) => {
    const at = start + day * DAY + 9 * HOUR + rng.int(0, 8 * 60) * 60_000
    const storeId = rng.pick(STORES)
    const { items, cents } = lines(rng, catalogue)
    const receiptId = `T${String(++receiptSeq).padStart(6, '0')}`
    receiptRows.push({
      receipt_id: receiptId,
      store_id: storeId,
      timestamp: iso(at).replace('T', ' ').slice(0, 19),
      loyalty_card: ids.card ?? '',
      email: ids.email ?? '',
      items: JSON.stringify(items),
      total: euros(cents),
      currency: 'EUR',
    })
    orders.push({
      orderId: receiptId,
      personKey,
      channel: 'store',
      at: Date.parse(iso(at).slice(0, 19) + 'Z'),
      totalCents: cents,
      storeId,
    })
    return { at, items }
  }

  for (let i = 0; i < options.people; i++) {
    const rng = rngFor(options.seed, `import-person:${i}`)
    const id = String(i).padStart(4, '0')
    const kind = rng.weighted(KINDS)
    const online = kind === 'web-card' || kind === 'web-email' || kind === 'web-guest'
    const person: ImportPerson = {
      key: `person-${id}`,
      kind,
      ...(kind !== 'web-guest' && kind !== 'store-card' ? { userId: `u-${id}` } : {}),
      email: `client${id}@example.com`,
      ...(kind === 'web-card' || kind === 'store-crm' || kind === 'store-card'
        ? { loyaltyCard: `0${7000 + i}` }
        : {}),
      anonymousId: `anon-${id}-${rng.hex(6)}`,
      ...(kind === 'web-card' && rng.chance(0.5)
        ? { app: { anonymousId: `app-${id}-${rng.hex(6)}`, deviceId: `dev-${rng.hex(12)}` } }
        : {}),
    }
    persons.push(person)
    if (person.userId) {
      const categories = rng.chance(0.6) ? 'yes' : 'no'
      crmRows.push({
        customer_id: person.userId,
        email: person.email,
        phone: rng.chance(0.5) ? `+3361234${id}` : '',
        loyalty_card: person.loyaltyCard ?? '',
        first_name: rng.pick(['Camille', 'Léa', 'Hugo', 'Nora', 'Jules']),
        updated_at: iso(start + rng.int(0, 30) * DAY).slice(0, 10),
        consent_marketing: categories,
        consent_marketing_at: iso(start + rng.int(0, 30) * DAY),
        consent_analytics: 'yes',
        consent_analytics_at: iso(start + rng.int(0, 30) * DAY),
      })
    }

    const webDays = online
      ? Array.from({ length: rng.int(1, 3) }, () => rng.int(5, 355)).sort((a, b) => a - b)
      : []
    for (const [n, day] of webDays.entries()) {
      const t0 = start + day * DAY + 20 * HOUR
      const product = rng.pick(catalogue)
      const web = {
        library: { name: 'sillage.js', version: '0.1.0' },
        page: { url: `${SHOP}/p/${product.product_id}`, path: `/p/${product.product_id}` },
      }
      const who = { anonymousId: person.anonymousId, ...(person.userId ? { userId: person.userId } : {}) }
      events.push({
        type: 'page',
        messageId: `web-${id}-${n}-page`,
        anonymousId: person.anonymousId,
        timestamp: iso(t0),
        context: web,
        properties: { url: web.page.url, path: web.page.path },
      })
      events.push({
        type: 'track',
        event: 'Product Viewed',
        messageId: `web-${id}-${n}-view`,
        anonymousId: person.anonymousId,
        timestamp: iso(t0 + 60_000),
        context: web,
        properties: { product_id: product.product_id, name: product.name, price: product.price },
      })
      views.push({ personKey: person.key, productId: product.product_id, at: t0 + 60_000 })
      if (person.userId) {
        events.push({
          type: 'identify',
          messageId: `web-${id}-${n}-identify`,
          ...who,
          timestamp: iso(t0 + 120_000),
          traits: { email: person.email },
          context: web,
        })
      }
      if (rng.chance(0.7)) {
        const { items, cents } = lines(rng, catalogue)
        const orderId = `W-${id}-${n}`
        const at = t0 + 180_000
        events.push({
          type: 'track',
          event: 'Order Completed',
          messageId: `web-${id}-${n}-order`,
          ...who,
          timestamp: iso(at),
          context: web,
          properties: {
            order_id: orderId,
            revenue: cents / 100,
            total: cents / 100,
            currency: 'EUR',
            products: items,
          },
        })
        orders.push({ orderId, personKey: person.key, channel: 'web', at, totalCents: cents })
      }
    }

    if (person.app) {
      appVisits++
      const t0 = start + rng.int(5, 355) * DAY + 22 * HOUR
      const product = rng.pick(catalogue)
      const { items, cents } = lines(rng, catalogue)
      const orderId = `A-${id}`
      events.push(
        ...appStream({ ...person, app: person.app }, id, t0, product.product_id, { orderId, cents, items }),
      )
      orders.push({ orderId, personKey: person.key, channel: 'app', at: t0 + 120_000, totalCents: cents })
    }

    if (kind !== 'web-guest') {
      // Store visits: days spread over the year, one in three the day after a web visit.
      const storeDays = new Set<number>()
      for (let k = rng.int(2, 8); k > 0; k--) storeDays.add(rng.int(0, 363))
      if (webDays[0] !== undefined && kind === 'web-card') storeDays.add(webDays[0] + 1)
      for (const day of [...storeDays].sort((a, b) => a - b)) {
        const ids =
          kind === 'web-email'
            ? { email: person.email }
            : kind === 'web-card' && rng.chance(0.3)
              ? { card: person.loyaltyCard as string, email: person.email }
              : { card: person.loyaltyCard as string }
        receipt(rng, person.key, day, ids)
      }
    }
  }

  // Anonymous receipts: cash, no card, no email.
  const anon = rngFor(options.seed, 'anonymous-receipts')
  for (let k = 0; k < options.people; k++) {
    const n = receiptSeq + 1
    receipt(anon, `receipt:T${String(n).padStart(6, '0')}`, anon.int(0, 363), {})
  }

  // Rows the import must refuse: a receipt whose total is not a number; a contact whose consent
  // flag is neither yes nor no. They stay out of the truth.
  receiptRows.push({
    receipt_id: 'T-BAD',
    store_id: STORES[0],
    timestamp: iso(start + DAY)
      .slice(0, 19)
      .replace('T', ' '),
    loyalty_card: '',
    email: '',
    items: '[]',
    total: 'douze',
    currency: 'EUR',
  })
  crmRows.push({ customer_id: 'u-bad', email: 'bad@example.com', consent_marketing: 'peut-être' })

  const summary = summariseTruth(orders, receiptRows, views)
  events.sort((a, b) => String(a['timestamp']).localeCompare(String(b['timestamp'])))
  return {
    persons,
    catalogue,
    events,
    crmRows,
    catalogueRows: catalogue.map((p) => ({
      product_id: p.product_id,
      sku: p.sku,
      name: p.name,
      category: p.category,
      brand: p.brand,
      price: p.price.toFixed(2),
    })),
    receiptRows,
    truth: {
      orders,
      refusedRows: { crm: [crmRows.length], receipts: [receiptRows.length] },
      ...summary,
      appVisits,
    },
  }
}
