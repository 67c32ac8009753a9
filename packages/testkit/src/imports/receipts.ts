import type { Rng } from '../prng.js'
import type { Product } from '../shop/catalogue.js'
import type { ScenarioOrder } from './import-types.js'

/** The store receipts file of the import scenario, and the order lines every channel shares. */

export const DAY = 86_400_000
export const HOUR = 3_600_000
export const STORES = ['paris-marais', 'lyon-presquile', 'bordeaux-chartrons'] as const

export const iso = (ms: number) => new Date(ms).toISOString()
const euros = (cents: number) => (cents / 100).toFixed(2)

export interface OrderLine {
  product_id: string
  name: string
  price: number
  quantity: number
}

/** One to three distinct products, one or two of each, and their total in cents. */
export function lines(rng: Rng, catalogue: readonly Product[]): { items: OrderLine[]; cents: number } {
  const items: OrderLine[] = []
  for (let i = rng.int(1, 3); i > 0; i--) {
    const p = rng.pick(catalogue)
    if (!items.some((l) => l.product_id === p.product_id)) {
      items.push({ product_id: p.product_id, name: p.name, price: p.price, quantity: rng.int(1, 2) })
    }
  }
  const cents = items.reduce((s, l) => s + Math.round(l.price * 100) * l.quantity, 0)
  return { items, cents }
}

/**
 * The receipts of a year starting at `start`: each `add` writes one row (numbered T000001, …)
 * and its order in the ground truth.
 */
export function createReceipts(start: number, catalogue: readonly Product[], orders: ScenarioOrder[]) {
  const rows: Array<Record<string, unknown>> = []
  let seq = 0
  return {
    rows,
    /** The number the next receipt gets. */
    next: () => seq + 1,
    add(rng: Rng, personKey: string, day: number, ids: { card?: string; email?: string }) {
      const at = start + day * DAY + 9 * HOUR + rng.int(0, 8 * 60) * 60_000
      const storeId = rng.pick(STORES)
      const { items, cents } = lines(rng, catalogue)
      const receiptId = `T${String(++seq).padStart(6, '0')}`
      rows.push({
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
        // The import's order id: unique per store (docs/imports.md).
        orderId: `${storeId}:${receiptId}`,
        personKey,
        channel: 'store',
        at: Date.parse(iso(at).slice(0, 19) + 'Z'),
        totalCents: cents,
        storeId,
      })
      return { at, items }
    },
  }
}

/** A receipt the import must refuse: its total is not a number. It stays out of the truth. */
export function refusedReceipt(start: number): Record<string, unknown> {
  return {
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
  }
}
