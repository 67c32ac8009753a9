export * from './config.js'
export * from './dashboard.js'
export * from './errors.js'
export { createDashboardQueries, type DashboardQueries } from './adapters/dashboard-queries.js'
export { buildOverview, type Overview, type OverviewContext, type Tile } from './overview.js'
export { readOverviewData, type OverviewData } from './overview-data.js'
export { createOverviewCache, OVERVIEW_TTL_MS, type OverviewCache } from './overview-cache.js'
export { partialBucket, type PartialBucket } from './domain/partial.js'
export { parseFilters, previousPeriod, type Filters } from './domain/filters.js'
export { tilesOf, countsOf, type KpiCounts, type Tiles } from './domain/kpis.js'
export {
  reactivationAudiences,
  selectsDormant,
  type AudienceSummary,
  type RuleAst,
} from './domain/reactivation.js'
