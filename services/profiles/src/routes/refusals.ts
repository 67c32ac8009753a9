import type { FastifyInstance } from 'fastify'
import { errorBody, PROFILE_ERRORS } from '../errors.js'

/** A route's path as a pattern over request paths: each `:param` is one non-empty segment. */
function pathPattern(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return new RegExp(`^${escaped}$`)
}

/**
 * The profiles port's answer to a request no route takes (docs/profiles.md#errors), in the
 * profile API's body: 404 `SIL_NOT_FOUND` for an unknown path, 405 `SIL_METHOD_NOT_ALLOWED` with
 * `Allow` for a known path asked with another method. Register it before the routes (it learns
 * them from `onRoute`).
 */
export function registerProfileRefusals(app: FastifyInstance): void {
  const routes: Array<{ pattern: RegExp; methods: Set<string> }> = []
  app.addHook('onRoute', (route) => {
    const pattern = pathPattern(route.url)
    const known = routes.find((r) => r.pattern.source === pattern.source)
    const methods = known?.methods ?? new Set<string>()
    for (const m of [route.method].flat()) methods.add(m)
    if (!known) routes.push({ pattern, methods })
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    const allowed = routes.find((r) => r.pattern.test(path))?.methods
    if (!allowed) {
      return reply.code(PROFILE_ERRORS.SIL_NOT_FOUND.status).send(errorBody('SIL_NOT_FOUND'))
    }
    return reply
      .code(PROFILE_ERRORS.SIL_METHOD_NOT_ALLOWED.status)
      .header('allow', [...allowed].filter((m) => m !== 'OPTIONS').join(', '))
      .send(errorBody('SIL_METHOD_NOT_ALLOWED'))
  })
}
