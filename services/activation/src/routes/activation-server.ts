import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from '@sillage/runtime'
import { ACTIVATION_ERRORS } from '../errors.js'

/**
 * The standalone activation service's HTTP server (main.ts, SILLAGE_ACTIVATION_PORT): `/healthz`
 * and the catalogue's 404; the stack registers `/admin/audiences` on it. `sillage start` puts those
 * routes on the collector's port instead. /metrics and /readyz stay on the ops port.
 */
export function createActivationServer(deps: { log: Logger }): FastifyInstance {
  // The logger redacts the Authorization header (runtime's createLogger).
  const app = Fastify({ loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger })
  app.get('/healthz', async () => ({ ok: true }))
  app.setNotFoundHandler((_request, reply) =>
    reply
      .code(404)
      .send({ success: false, code: 'SIL_NOT_FOUND', message: ACTIVATION_ERRORS.SIL_NOT_FOUND.message }),
  )
  return app
}
