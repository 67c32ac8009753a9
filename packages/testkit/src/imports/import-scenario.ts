import { rngFor } from '../prng.js'
import { createCatalogue } from '../shop/catalogue.js'
import { appStream } from './app-stream.js'
import type { ImportPerson, ImportPersonKind, ImportScenario, ScenarioOrder } from './import-types.js'
import { createReceipts, DAY, HOUR, iso, lines, refusedReceipt } from './receipts.js'
import { summariseTruth } from './truth-summary.js'
import { webVisits } from './web-visits.js'

export type * from './import-types.js'

/**
 * One retailer's year across channels, for the import acceptance test (the people and what each
 * file holds: import-types.ts): people by kind, their CRM rows, web visits (web-visits.ts), app
 * visits (app-stream.ts), store receipts (receipts.ts), and the ground truth.
 */

const KINDS: ReadonlyArray<readonly [ImportPersonKind, number]> = [
  ['web-card', 0.3],
  ['web-email', 0.2],
  ['store-crm', 0.2],
  ['store-card', 0.15],
  ['web-guest', 0.15],
]

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
  const orders: ScenarioOrder[] = []
  const views: Array<{ personKey: string; productId: string; at: number }> = []
  let appVisits = 0
  const receipts = createReceipts(start, catalogue, orders)
  const receiptRows = receipts.rows

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
    webVisits(rng, person, id, webDays, start, catalogue, { events, orders, views })

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
        receipts.add(rng, person.key, day, ids)
      }
    }
  }

  // Anonymous receipts: cash, no card, no email.
  const anon = rngFor(options.seed, 'anonymous-receipts')
  for (let k = 0; k < options.people; k++) {
    receipts.add(anon, `receipt:T${String(receipts.next()).padStart(6, '0')}`, anon.int(0, 363), {})
  }

  // Rows the import must refuse: a receipt whose total is not a number; a contact whose consent
  // flag is neither yes nor no. They stay out of the truth.
  receiptRows.push(refusedReceipt(start))
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
