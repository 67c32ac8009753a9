import type { Warehouse } from '../warehouse.js'
import {
  audienceMembersSql,
  byStoreSql,
  dormantSql,
  kpisSql,
  rfmSegmentsSql,
  sessionChoicesSql,
  storesSql,
  topProductsSql,
  transitionsSql,
  type Granularity,
} from './dashboard-sql.js'
import { selectRows } from './insert-rows.js'

export type { Granularity } from './dashboard-sql.js'

/** Inclusive UTC days, YYYY-MM-DD. */
export interface DashboardRange {
  from: string
  to: string
}

/** Which sessions the dashboard looks at: '' for all, in each of source, channel and store. */
export interface DashboardSessionFilters extends DashboardRange {
  /** A session source (`google`, `(direct)`, `(store)`, …). */
  source: string
  /** web, app, server, store. */
  channel: string
  /** A shop's store_id: the sessions holding its point-of-sale orders, and those orders only. */
  store: string
}

/**
 * Session and order counts of one (period, dim, k): period 'current' or 'previous'; dim 'total'
 * for both periods, and 'bucket' (day or week, key its first day), 'source', 'others' (the sources
 * after the first `sources`, added up; k: how many) and 'channel' for the current one. Counts as
 * numbers (the warehouse sends UInt64 as text; converted here). Amounts (`revenue`, …) are null
 * when unknown: a sum too large for a Float64.
 */
export type DashboardKpiRow = {
  period: string
  dim: string
  k: string
  visits: number
  bounces: number
  converted_visits: number
  viewing_visits: number
  cart_visits: number
  checkout_visits: number
  abandoned_visits: number
  orders: number
  revenue: number | null
  new_customers: number
  returning_customers: number
}

export type DashboardProductRow = {
  product_id: string
  name: string
  category: string
  orders: number
  units: number
  revenue: number | null
}

export type DashboardSegmentRow = {
  segment: string
  people: number
  revenue: number | null
  avg_value: number | null
  avg_orders: number
  avg_recency_days: number
}

export type DashboardTransitionRow = {
  from_segment: string
  to_segment: string
  people: number
  share: number
}

export type DashboardDormantRow = {
  person_id: string
  last_order_day: string
  recency_days: number
  frequency: number
  monetary: number | null
}

export type DashboardStoreRow = {
  store_id: string
  store_visits: number
  store_orders: number
  store_revenue: number | null
  store_items: number
}

export type DashboardAudienceRow = { audience_id: string; members: number; last_change_at: string }

export interface DashboardOptions {
  sources: string[]
  channels: string[]
  stores: string[]
  firstDay: string | null
  lastDay: string | null
}

type Raw = Record<string, unknown>

/**
 * `row` with the `numeric` columns as numbers (UInt64 arrives as text, Float64 as numbers), and
 * the `amounts` as numbers or null: an unknown amount (NULL, what the JSON output makes of inf
 * and nan) stays null, never 0.
 */
function numbers<T>(row: Raw, numeric: readonly string[], amounts: readonly string[] = []): T {
  const out: Raw = { ...row }
  for (const k of numeric) out[k] = Number(row[k] ?? 0) || 0
  for (const k of amounts) {
    const n = row[k] === null || row[k] === undefined ? NaN : Number(row[k])
    out[k] = Number.isFinite(n) ? n : null
  }
  return out as T
}

const KPI_COUNTS = [
  'visits',
  'bounces',
  'converted_visits',
  'viewing_visits',
  'cart_visits',
  'checkout_visits',
  'abandoned_visits',
  'orders',
  'new_customers',
  'returning_customers',
] as const

/**
 * The dashboard's reads (docs/dashboard.md), over the documented models: sessions, orders,
 * order_items, rfm_at, segment_transitions, store_daily_kpis, audience_membership. Every value is
 * a query parameter; `as_of` and the periods are DateTime64(3) text in UTC
 * ('YYYY-MM-DD hh:mm:ss.sss').
 */
export function createDashboardRepository(warehouse: Warehouse) {
  const db = warehouse.database
  const rows = (sql: string, params: Record<string, unknown>) => selectRows<Raw>(warehouse, sql, params)
  const sessionParams = (f: DashboardSessionFilters) => ({
    from: f.from,
    to: f.to,
    source: f.source,
    channel: f.channel,
    store: f.store,
  })

  return {
    /**
     * Counts per period and dimension over the sessions of the filters; the previous period
     * starts at `previousFrom` and ends the day before `filters.from`. The `sources` first
     * sources by revenue have rows of their own, the others one row together (dim 'others').
     */
    async kpis(
      filters: DashboardSessionFilters & { granularity: Granularity },
      previousFrom: string,
      sources: number,
    ): Promise<DashboardKpiRow[]> {
      const found = await rows(kpisSql(db, filters.store, filters.granularity), {
        ...sessionParams(filters),
        prev_from: previousFrom,
        sources,
      })
      return found.map((r) => numbers<DashboardKpiRow>(r, KPI_COUNTS, ['revenue']))
    },

    /** The products of the filters' orders, by revenue. */
    async topProducts(filters: DashboardSessionFilters, limit: number): Promise<DashboardProductRow[]> {
      const found = await rows(topProductsSql(db, filters.store), { ...sessionParams(filters), limit })
      return found.map((r) => numbers<DashboardProductRow>(r, ['orders', 'units'], ['revenue']))
    },

    /** People, revenue and averages per RFM segment as of an instant. */
    async rfmSegments(asOf: string): Promise<DashboardSegmentRow[]> {
      const found = await rows(rfmSegmentsSql(db), { as_of: asOf })
      return found.map((r) =>
        numbers<DashboardSegmentRow>(
          r,
          ['people', 'avg_orders', 'avg_recency_days'],
          ['revenue', 'avg_value'],
        ),
      )
    },

    /** Segment at `periodA` → segment at `periodB`, with people and share. */
    async segmentTransitions(periodA: string, periodB: string): Promise<DashboardTransitionRow[]> {
      const found = await rows(transitionsSql(db), { period_a: periodA, period_b: periodB })
      return found.map((r) => numbers<DashboardTransitionRow>(r, ['people', 'share']))
    },

    /** The dormant customers as of an instant: how many, and the `limit` most valuable. */
    async dormant(asOf: string, limit: number): Promise<{ people: number; rows: DashboardDormantRow[] }> {
      const found = await rows(dormantSql(db), { as_of: asOf, limit })
      return {
        people: Number(found[0]?.['people'] ?? 0),
        rows: found.map(({ people: _people, monetary_amount: monetary, ...r }) =>
          numbers<DashboardDormantRow>({ ...r, monetary }, ['recency_days', 'frequency'], ['monetary']),
        ),
      }
    },

    /** Orders, revenue, items and footfall per store over the range (store_daily_kpis). */
    async byStore(filters: DashboardRange & { store: string }): Promise<DashboardStoreRow[]> {
      const found = await rows(byStoreSql(db), { from: filters.from, to: filters.to, store: filters.store })
      return found.map((r) =>
        numbers<DashboardStoreRow>(r, ['store_visits', 'store_orders', 'store_items'], ['store_revenue']),
      )
    },

    /** Members now and the last recorded change of each audience (audience_membership). */
    async audienceMembers(ids: readonly string[]): Promise<DashboardAudienceRow[]> {
      if (ids.length === 0) return []
      const found = await rows(audienceMembersSql(db), { ids })
      return found.map((r) => numbers<DashboardAudienceRow>(r, ['members']))
    },

    /** What the filters can choose from, and the span of the data. */
    async options(): Promise<DashboardOptions> {
      const [stores] = await rows(storesSql(db), {})
      const [row] = await rows(sessionChoicesSql(db), {})
      return {
        sources: (row?.['sources'] as string[] | undefined) ?? [],
        channels: (row?.['channels'] as string[] | undefined) ?? [],
        stores: (stores?.['stores'] as string[] | undefined) ?? [],
        firstDay: (row?.['first_day'] as string | undefined) || null,
        lastDay: (row?.['last_day'] as string | undefined) || null,
      }
    },
  }
}

export type DashboardRepository = ReturnType<typeof createDashboardRepository>
