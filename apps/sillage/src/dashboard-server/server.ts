import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { registerDashboard, type DashboardDeps } from '@sillage/dashboard'
import type { Logger, Registry } from '@sillage/runtime'
import { registerDashboardMetrics } from './metrics.js'

export interface DashboardServerDeps extends Omit<DashboardDeps, 'log'> {
  log: Logger
  registry: Registry
  /** SILLAGE_TRUST_PROXY: X-Forwarded-Proto from it makes the session cookie Secure. */
  trustProxy: boolean | string[]
}

const NOT_FOUND = { success: false, code: 'SIL_NOT_FOUND', message: 'no such endpoint' } as const

/**
 * The HTTP server of `sillage dashboard`: `/dashboard/` (page, sign-in and read-only API, as
 * `sillage start` serves it), `/healthz`, the catalogue's 404, and request metrics on `registry`.
 * Not listening: the caller listens and closes (tests inject).
 */
export function createDashboardServer(deps: DashboardServerDeps): FastifyInstance {
  // The logger redacts the Authorization header (runtime's createLogger).
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    trustProxy: deps.trustProxy,
  })
  registerDashboardMetrics(app, deps.registry)
  app.get('/healthz', async () => ({ ok: true }))
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(NOT_FOUND))
  registerDashboard(app, {
    warehouse: deps.warehouse,
    log: deps.log,
    adminToken: deps.adminToken,
    analystToken: deps.analystToken,
    audiences: deps.audiences,
    overviewCacheMs: deps.overviewCacheMs,
  })
  return app
}
