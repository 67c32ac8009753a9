import type { FastifyInstance } from 'fastify'
import type { Logger } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createDashboardQueries } from './adapters/dashboard-queries.js'
import type { AudienceSummary } from './domain/reactivation.js'
import { registerDashboardRoutes } from './routes/dashboard.route.js'

export interface DashboardDeps {
  warehouse: Warehouse
  log: Logger
  /** SILLAGE_ADMIN_TOKEN (or the embedded mode's generated one). */
  adminToken: string
  /** SILLAGE_ANALYST_TOKEN (config.ts): opens the dashboard and nothing else. */
  analystToken?: string | undefined
  /**
   * The audiences (docs/activation.md): the activation file's and the admin API's, merged as
   * activation runs them, each with its `source`. The dashboard does not import activation: the
   * app composing both passes this in (`sillage start`). Used to link dormant customers to the
   * reactivation audience; called per overview. Unset: none is shown.
   */
  audiences?: () => Promise<readonly AudienceSummary[]>
  /**
   * How long the figures of a view (its filters) are kept, in ms: 30 s by default
   * (OVERVIEW_TTL_MS); 0 reads the models at every overview. The page shows as of when. Never
   * past an erasure, whichever process ran it: see the erasure stamp (overview-cache.ts).
   */
  overviewCacheMs?: number
}

/** Registers /dashboard/ (page and read-only API) on `app`; see docs/dashboard.md. */
export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  registerDashboardRoutes(app, {
    queries: createDashboardQueries(deps.warehouse),
    log: deps.log.child({ component: 'dashboard' }),
    adminToken: deps.adminToken,
    analystToken: deps.analystToken,
    audiences: deps.audiences,
    overviewCacheMs: deps.overviewCacheMs,
  })
}
