import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify'
import { ADMIN_ERRORS } from './errors.js'
import { registerPrivacyAdmin, type PrivacyAdminDeps } from './privacy-admin.js'
import type { PrivacyService } from './pipeline/privacy-service.js'

export interface AdminStackDeps extends PrivacyAdminDeps {
  /**
   * The app to register `/admin/privacy/*` on: `sillage start` passes its collector's. Absent, the
   * stack makes its own server (with /healthz), which the caller listens on and closes.
   */
  app?: FastifyInstance
}

export interface AdminStack {
  readonly app: FastifyInstance
  readonly privacy: PrivacyService
}

/**
 * The admin service's wiring (`/admin/privacy/*`), called by its own main.ts and by `sillage
 * start`. The bus and the warehouse are the caller's, migrated and with their topics ensured.
 */
export function createAdminStack(deps: AdminStackDeps): AdminStack {
  const { app: given, ...privacyDeps } = deps
  const app = given ?? createAdminServer(deps)
  return { app, privacy: registerPrivacyAdmin(app, privacyDeps) }
}

/** The standalone admin server: /healthz and the catalogue's 404. */
function createAdminServer(deps: AdminStackDeps): FastifyInstance {
  const notFound = (reply: FastifyReply) =>
    reply
      .code(404)
      .send({ success: false, code: 'SIL_NOT_FOUND', message: ADMIN_ERRORS.SIL_NOT_FOUND.message })
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'admin' }) as FastifyBaseLogger,
    // A request id up to 1,024 characters reaches its route (404 SIL_PRIVACY_REQUEST_NOT_FOUND), as on the
    // collector's app in `sillage start`; past that, or a URL that does not decode, names no endpoint.
    routerOptions: { maxParamLength: 1024 },
    frameworkErrors: (_error, _request, reply) => {
      void notFound(reply)
    },
  })
  app.get('/healthz', async () => ({ ok: true }))
  app.setNotFoundHandler((_request, reply) => notFound(reply))
  return app
}
