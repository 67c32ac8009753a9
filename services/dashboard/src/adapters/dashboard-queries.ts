import {
  createDashboardRepository,
  type DashboardAudienceRow,
  type DashboardDormantRow,
  type DashboardKpiRow,
  type DashboardOptions,
  type DashboardProductRow,
  type DashboardSegmentRow,
  type DashboardStoreRow,
  type DashboardTransitionRow,
  type Warehouse,
} from '@sillage/warehouse'
import { endOfDay, startOfDay, type Filters } from '../domain/filters.js'

/**
 * Every number of the dashboard, read through the warehouse's dashboard repository
 * (`createDashboardRepository`: its SQL, over the documented models, with every value a query
 * parameter). This adapter turns the page's filters into the repository's parameters: the
 * instants RFM and transitions are taken at.
 */
export interface DashboardQueries {
  /**
   * Session and order counts (KpiCounts' columns) in one pass over the sessions, per `period`
   * ('current', 'previous') and `dim`: 'total' for both periods; 'bucket' (day or week), 'source'
   * and 'channel' (key `k`) for the current one; the `sources` first sources by revenue have rows
   * of their own, the others one row of dim 'others' (k: how many).
   */
  kpis(filters: Filters, previous: { from: string; to: string }, sources: number): Promise<DashboardKpiRow[]>
  topProducts(filters: Filters, limit: number): Promise<DashboardProductRow[]>
  rfm(filters: Filters): Promise<DashboardSegmentRow[]>
  transitions(filters: Filters): Promise<DashboardTransitionRow[]>
  dormant(filters: Filters, limit: number): Promise<{ people: number; rows: DashboardDormantRow[] }>
  /** Orders, revenue, items and footfall per store over the range (store_daily_kpis). */
  byStore(filters: Filters): Promise<DashboardStoreRow[]>
  /** Members now and the last recorded change of each audience (audience_membership). */
  audiences(ids: readonly string[]): Promise<DashboardAudienceRow[]>
  /** What the filters can choose from, and the span of the data. */
  options(): Promise<DashboardOptions>
  /**
   * The erasure stamp: how many erasure requests have ended (completed or failed), from
   * deletion_requests, the privacy admin's own record, whichever process ran them. An erasure's
   * end is written after its rows are deleted, and the count only grows: figures read under an
   * older stamp may still hold an erased person and are not served again (overview-cache.ts).
   */
  erasures(): Promise<string>
}

export function createDashboardQueries(warehouse: Warehouse): DashboardQueries {
  const repo = createDashboardRepository(warehouse)
  return {
    kpis: (filters, previous, sources) => repo.kpis(filters, previous.from, sources),
    topProducts: (filters, limit) => repo.topProducts(filters, limit),
    rfm: (filters) => repo.rfmSegments(endOfDay(filters.to)),
    transitions: (filters) => repo.segmentTransitions(startOfDay(filters.from), endOfDay(filters.to)),
    dormant: (filters, limit) => repo.dormant(endOfDay(filters.to), limit),
    byStore: (filters) => repo.byStore(filters),
    audiences: (ids) => repo.audienceMembers(ids),
    options: () => repo.options(),
    erasures: async () => {
      // No query parameter: chDB runs it beside a view being read, not queued behind it.
      const rs = await warehouse.client.query({
        query: `SELECT count() AS n FROM ${warehouse.database}.deletion_requests FINAL WHERE status != 'requested'`,
        format: 'JSONEachRow',
      })
      const [row] = await rs.json<{ n: string | number }>()
      return String(row?.n ?? 0)
    },
  }
}
