import type { DashboardKpiRow } from '@sillage/warehouse'
import type { DashboardQueries } from './adapters/dashboard-queries.js'
import { bucketKeys, dayString, previousPeriod, type Filters } from './domain/filters.js'
import { partialBucket, type PartialBucket } from './domain/partial.js'
import { reactivationAudiences, type AudienceSummary } from './domain/reactivation.js'
import { cents, changeOf, countsOf, TILE_NAMES, tilesOf, type KpiCounts, type Tiles } from './domain/kpis.js'
import type { CachedValue } from './overview-cache.js'
import { readOverviewData, type OverviewData } from './overview-data.js'

export { SOURCE_ROWS } from './overview-data.js'

export interface Tile {
  name: keyof Tiles
  value: number | null
  previous: number | null
  /** Relative change for amounts and counts, a difference in points for rates. */
  change: number | null
}

export interface Overview {
  filters: Filters
  /** What the filters can choose from (the route adds it). */
  options?: {
    sources: string[]
    channels: string[]
    stores: string[]
    firstDay: string | null
    lastDay: string | null
  }
  previous: { from: string; to: string }
  /** When the models were read (ISO 8601, UTC): the figures are as of then (kept up to 30 s). */
  asOf: string
  tiles: Tile[]
  series: Array<{
    bucket: string
    visits: number
    orders: number
    /** null: unknown (a sum too large for a 64-bit float), as every amount below. */
    revenue: number | null
    conversionRate: number | null
    /**
     * The days counted when fewer than the bucket's: a week the range or the first day with data
     * starts inside, the range ends inside, or today's (so far); a day, today's. null: whole.
     */
    partial: PartialBucket | null
  }>
  funnel: Array<{ step: 'visits' | 'views' | 'adds' | 'checkouts' | 'orders'; sessions: number }>
  /** The SOURCE_ROWS sources with the most revenue (then visits). */
  bySource: Array<{ key: string } & Tiles>
  /** The other sources added up (`sources`: how many); null when there are none. */
  bySourceOthers: ({ sources: number } & Tiles) | null
  byChannel: Array<{ key: string } & Tiles>
  /** Per store (store_daily_kpis): empty when the source or channel filter excludes the shops. */
  byStore: Array<{
    storeId: string
    visits: number
    orders: number
    revenue: number | null
    avgBasket: number | null
    items: number
  }>
  topProducts: Array<{
    productId: string
    name: string
    category: string
    orders: number
    units: number
    revenue: number | null
  }>
  rfm: Array<{
    segment: string
    people: number
    revenue: number | null
    avgValue: number | null
    avgOrders: number
    avgRecencyDays: number
  }>
  transitions: Array<{ from: string; to: string; people: number; share: number }>
  dormant: {
    people: number
    /**
     * The audiences (the activation file's, then the admin API's) whose rule selects dormant
     * customers, with where each is defined, its members now and the last membership change
     * recorded (audience_membership); [] when none.
     */
    audiences: Array<{
      id: string
      name: string
      source: 'file' | 'api'
      members: number
      lastChangeAt: string | null
    }>
    top: Array<{
      personId: string
      lastOrderDay: string
      recencyDays: number
      orders: number
      monetary: number | null
    }>
  }
}

/** Sorts an unknown amount (too large to add up) above every known one. */
const byRevenue = (t: Tiles): number => t.revenue ?? Infinity

/** What an overview is computed with, besides its filters. */
export interface OverviewContext {
  /** The first day with data (the options'): a week it starts inside is partial. */
  firstDay?: string | null
  /** The clock (ms): today's week (or day) is partial, so far. */
  now?: number
  /** Reads the models' rows (the route's cache); by default, afresh. */
  read?: (filters: Filters) => Promise<CachedValue<OverviewData>>
}

/** Everything the page shows for one set of filters, read through `queries`. */
export async function buildOverview(
  queries: DashboardQueries,
  filters: Filters,
  audiences: readonly AudienceSummary[] = [],
  context: OverviewContext = {},
): Promise<Overview> {
  const prev = previousPeriod(filters)
  const now = context.now ?? Date.now()
  const read =
    context.read ?? (async (f: Filters) => ({ value: await readOverviewData(queries, f), at: now }))
  const { value: data, at } = await read(filters)
  const { kpis, products, rfm, transitions, dormant, stores } = data
  const of = (period: string, dim: string) => kpis.filter((r) => r.period === period && r.dim === dim)
  const reactivation = reactivationAudiences(audiences)
  const membership = new Map(
    (await queries.audiences(reactivation.map((a) => a.id))).map((r) => [r.audience_id, r]),
  )
  // Today as of the read: the rows hold the days up to then.
  const bounds = {
    from: filters.from,
    to: filters.to,
    firstDay: context.firstDay ?? null,
    today: dayString(at),
  }

  const counts: KpiCounts = countsOf(of('current', 'total')[0])
  const current = tilesOf(counts)
  const then = tilesOf(countsOf(of('previous', 'total')[0]))
  const byBucket = new Map(of('current', 'bucket').map((r) => [r.k, tilesOf(countsOf(r))]))
  const split = (rs: DashboardKpiRow[]) =>
    rs
      .map((r) => ({ key: r.k, ...tilesOf(countsOf(r)) }))
      .sort((a, b) => byRevenue(b) - byRevenue(a) || b.visits - a.visits || (a.key < b.key ? -1 : 1))
  const others = of('current', 'others')[0]

  return {
    filters,
    previous: prev,
    asOf: new Date(at).toISOString(),
    tiles: TILE_NAMES.map((name) => ({
      name,
      value: current[name],
      previous: then[name],
      change: changeOf(name, current, then),
    })),
    series: bucketKeys(filters, filters.granularity).map((bucket) => {
      const t = byBucket.get(bucket)
      return {
        bucket,
        visits: t?.visits ?? 0,
        orders: t?.orders ?? 0,
        revenue: t ? t.revenue : 0,
        conversionRate: t?.conversionRate ?? null,
        partial: partialBucket(bucket, filters.granularity, bounds),
      }
    }),
    funnel: [
      { step: 'visits', sessions: counts.visits },
      { step: 'views', sessions: counts.viewingVisits },
      { step: 'adds', sessions: counts.cartVisits },
      { step: 'checkouts', sessions: counts.checkoutVisits },
      { step: 'orders', sessions: counts.convertedVisits },
    ],
    bySource: split(of('current', 'source')),
    bySourceOthers: others ? { sources: Number(others.k), ...tilesOf(countsOf(others)) } : null,
    byChannel: split(of('current', 'channel')),
    byStore: stores.map((r) => ({
      storeId: r.store_id,
      visits: r.store_visits,
      orders: r.store_orders,
      revenue: r.store_revenue,
      avgBasket:
        r.store_orders > 0 && r.store_revenue !== null ? cents(r.store_revenue / r.store_orders) : null,
      items: r.store_items,
    })),
    topProducts: products.map((r) => ({
      productId: r.product_id,
      name: r.name,
      category: r.category,
      orders: r.orders,
      units: r.units,
      revenue: r.revenue,
    })),
    rfm: rfm.map((r) => ({
      segment: r.segment,
      people: r.people,
      revenue: r.revenue,
      avgValue: r.avg_value,
      avgOrders: r.avg_orders,
      avgRecencyDays: r.avg_recency_days,
    })),
    transitions: transitions.map((r) => ({
      from: r.from_segment,
      to: r.to_segment,
      people: r.people,
      share: r.share,
    })),
    dormant: {
      people: dormant.people,
      audiences: reactivation.map((a) => {
        const m = membership.get(a.id)
        return {
          id: a.id,
          name: a.name ?? a.id,
          source: a.source ?? 'file',
          members: m?.members ?? 0,
          lastChangeAt: m ? m.last_change_at : null,
        }
      }),
      top: dormant.rows.map((r) => ({
        personId: r.person_id,
        lastOrderDay: r.last_order_day,
        recencyDays: r.recency_days,
        orders: r.frequency,
        monetary: r.monetary,
      })),
    },
  }
}
