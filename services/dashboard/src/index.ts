export * from './config.js'
export * from './dashboard.js'
export * from './errors.js'
export { createDashboardQueries, type DashboardQueries } from './adapters/dashboard-queries.js'
export { buildOverview, type Overview, type Tile } from './overview.js'
export { parseFilters, previousPeriod, type Filters } from './domain/filters.js'
export { tilesOf, countsOf, type KpiCounts, type Tiles } from './domain/kpis.js'
export {
  reactivationAudiences,
  selectsDormant,
  type AudienceSummary,
  type RuleAst,
} from './domain/reactivation.js'
