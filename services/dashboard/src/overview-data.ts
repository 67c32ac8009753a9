import type {
  DashboardDormantRow,
  DashboardKpiRow,
  DashboardProductRow,
  DashboardSegmentRow,
  DashboardStoreRow,
  DashboardTransitionRow,
} from '@sillage/warehouse'
import type { DashboardQueries } from './adapters/dashboard-queries.js'
import { previousPeriod, type Filters } from './domain/filters.js'

/** The "By source" table's rows: the first sources by revenue; the rest is one row (bySourceOthers). */
export const SOURCE_ROWS = 10

/**
 * The models' rows of one view (its filters): what the overview is computed from, and what the
 * route's cache keeps (overview-cache.ts). The reactivation audiences' membership is not in it: it
 * is read afresh at every overview (a cheap read of a small table, and a sync shows at once).
 */
export interface OverviewData {
  kpis: DashboardKpiRow[]
  products: DashboardProductRow[]
  rfm: DashboardSegmentRow[]
  transitions: DashboardTransitionRow[]
  dormant: { people: number; rows: DashboardDormantRow[] }
  stores: DashboardStoreRow[]
}

/**
 * Reads a view's rows, one query after another. Running them at once gains nothing on chDB: its
 * binding runs parameterised queries one at a time, process-wide (a race in libchdb), and
 * `services/dashboard/scripts/time-overview.mjs` measured no gain; a server is spared a burst.
 */
export async function readOverviewData(queries: DashboardQueries, filters: Filters): Promise<OverviewData> {
  const kpis = await queries.kpis(filters, previousPeriod(filters), SOURCE_ROWS)
  const products = await queries.topProducts(filters, 10)
  const rfm = await queries.rfm(filters)
  const transitions = await queries.transitions(filters)
  const dormant = await queries.dormant(filters, 10)
  // Shops' orders are in the (store) source and the store channel: other filters exclude them.
  const storesApply =
    (filters.source === '' || filters.source === '(store)') &&
    (filters.channel === '' || filters.channel === 'store')
  const stores = storesApply ? await queries.byStore(filters) : []
  return { kpis, products, rfm, transitions, dormant, stores }
}
