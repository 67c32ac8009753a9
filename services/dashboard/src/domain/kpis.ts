/**
 * From the counts the warehouse returns to the numbers the page shows. Pure. Rates are derived
 * from counts (never averaged from daily rates), so a tile over thirty days weighs every visit
 * the same, as daily_kpis does for one day.
 */
export interface KpiCounts {
  visits: number
  bounces: number
  convertedVisits: number
  viewingVisits: number
  cartVisits: number
  checkoutVisits: number
  abandonedVisits: number
  orders: number
  /** null: unknown, a sum too large for a 64-bit float (never shown as 0). */
  revenue: number | null
  newCustomers: number
  returningCustomers: number
}

export interface Tiles {
  visits: number
  conversionRate: number | null
  avgBasket: number | null
  revenue: number | null
  orders: number
  cartAbandonmentRate: number | null
  bounceRate: number | null
  newCustomers: number
  returningCustomers: number
}

export type TileName = keyof Tiles

export const EMPTY_COUNTS: KpiCounts = {
  visits: 0,
  bounces: 0,
  convertedVisits: 0,
  viewingVisits: 0,
  cartVisits: 0,
  checkoutVisits: 0,
  abandonedVisits: 0,
  orders: 0,
  revenue: 0,
  newCustomers: 0,
  returningCustomers: 0,
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b)
/** To cents; as is from 1e15 up, where `x * 100` could overflow and a double holds no cents. */
export const cents = (x: number): number => (Math.abs(x) < 1e15 ? Math.round(x * 100) / 100 : x)
/** A finite number, or null: what JSON would turn into null anyway is said to be unknown. */
const finite = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null)

export function tilesOf(c: KpiCounts): Tiles {
  return {
    visits: c.visits,
    conversionRate: ratio(c.convertedVisits, c.visits),
    avgBasket: c.orders === 0 || c.revenue === null ? null : finite(cents(c.revenue / c.orders)),
    revenue: c.revenue === null ? null : finite(cents(c.revenue)),
    orders: c.orders,
    cartAbandonmentRate: ratio(c.abandonedVisits, c.cartVisits),
    bounceRate: ratio(c.bounces, c.visits),
    newCustomers: c.newCustomers,
    returningCustomers: c.returningCustomers,
  }
}

/**
 * Change against the previous period: relative for amounts and counts, in points (difference)
 * for rates. null when either side is missing or the previous amount is 0.
 */
export function changeOf(name: TileName, current: Tiles, previous: Tiles): number | null {
  const a = current[name]
  const b = previous[name]
  if (a === null || b === null) return null
  if (name.endsWith('Rate')) return a - b
  return b === 0 ? null : finite((a - b) / b)
}

export const TILE_NAMES: readonly TileName[] = [
  'visits',
  'conversionRate',
  'avgBasket',
  'revenue',
  'orders',
  'cartAbandonmentRate',
  'bounceRate',
  'newCustomers',
  'returningCustomers',
]

/** A warehouse row (UInt64 as strings) as counts. */
export function countsOf(row: Record<string, unknown> | undefined): KpiCounts {
  if (!row) return { ...EMPTY_COUNTS }
  const n = (k: string): number => Number(row[k] ?? 0) || 0
  return {
    visits: n('visits'),
    bounces: n('bounces'),
    convertedVisits: n('converted_visits'),
    viewingVisits: n('viewing_visits'),
    cartVisits: n('cart_visits'),
    checkoutVisits: n('checkout_visits'),
    abandonedVisits: n('abandoned_visits'),
    orders: n('orders'),
    revenue: row['revenue'] === null ? null : finite(n('revenue')),
    newCustomers: n('new_customers'),
    returningCustomers: n('returning_customers'),
  }
}
