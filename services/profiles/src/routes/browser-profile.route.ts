import type { FastifyInstance } from 'fastify'
import { readCookie, type Logger } from '@sillage/runtime'
import { ANONYMOUS_ID_COOKIE } from '@sillage/schemas'
import { createBrowserKeyIndex, type BrowserSource } from '../domain/browser-keys.js'
import { viewedNotBought } from '../domain/profile-view.js'
import { isProductId, limitOf } from '../domain/recommend.js'
import { errorBody, PROFILE_ERRORS, type ProfileErrorCode } from '../errors.js'
import type { RateDecision, RateLimiter } from '../domain/read-keys.js'
import type { ProfileMetrics } from '../metrics.js'
import type { ProfileReader } from '../profile-reader.js'
import { OWN_CORS } from './own-cors.js'

const VALID_COOKIE = /^[\w.~%-]{1,512}$/

/**
 * GET /v1/me/recommendations?writeKey=<browser key> (docs/profiles.md#browser): the visitor's own
 * recommendations and non-sensitive attributes, keyed by their first-party anonymous-id cookie
 * (sent with `credentials: 'include'`). No identifier, trait, consent or order is returned; a
 * visitor without a profile, or not seen through this source, gets the popular products.
 */
export function registerBrowserProfileRoute(
  app: FastifyInstance,
  deps: {
    reader: ProfileReader
    sources: readonly BrowserSource[]
    rateLimiter: Pick<RateLimiter, 'take'>
    metrics: ProfileMetrics
    log: Logger
  },
): void {
  // The keys the collector accepts: a rotated-out key too, until its grace period ends.
  const findSource = createBrowserKeyIndex(deps.sources)
  const fail = (code: ProfileErrorCode) => ({ status: PROFILE_ERRORS[code].status, body: errorBody(code) })
  app.get<{ Querystring: { writeKey?: string; limit?: unknown; product_id?: string } }>(
    '/v1/me/recommendations',
    { ...OWN_CORS, logLevel: 'warn' },
    async (request, reply) => {
      const started = performance.now()
      const source = findSource(request.query.writeKey ?? '')
      const origin = request.headers.origin
      const answer = (outcome: string, status: number, body: unknown) => {
        deps.metrics.lookups.inc({ outcome })
        deps.metrics.lookupDuration.observe({ route: 'browser' }, (performance.now() - started) / 1000)
        deps.log.info({ reqId: request.id, route: 'browser', outcome }, 'profile lookup')
        return reply.code(status).header('cache-control', 'private, no-store').send(body)
      }
      if (!source) {
        const f = fail('SIL_PROFILE_BROWSER_KEY_INVALID')
        return answer('unauthorized', f.status, f.body)
      }
      if (origin !== undefined) {
        if (!source.allowedOrigins.includes('*') && !source.allowedOrigins.includes(origin)) {
          const f = fail('SIL_PROFILE_FORBIDDEN')
          return answer('forbidden', f.status, f.body)
        }
        void reply
          .header('access-control-allow-origin', origin)
          .header('access-control-allow-credentials', 'true')
        void reply.header('vary', 'Origin')
      }
      const raw = readCookie(request.headers.cookie, ANONYMOUS_ID_COOKIE)
      const anonymousId = raw && VALID_COOKIE.test(raw) ? decodeCookie(raw) : undefined
      const allowed: RateDecision = anonymousId
        ? deps.rateLimiter.take(`browser:${anonymousId}`)
        : { ok: true }
      if (!allowed.ok) {
        void reply.header('retry-after', String(allowed.retryAfterSeconds))
        const f = fail('SIL_PROFILE_RATE_LIMITED')
        return answer('rate_limited', f.status, f.body)
      }
      const limit = limitOf(request.query.limit, 10, 20)
      const found = anonymousId ? await deps.reader.findRow('anonymous_id', anonymousId) : undefined
      const row = found?.outcome === 'row' && found.row.source_ids.includes(source.id) ? found.row : undefined
      const recommended = await deps.reader.recommendFor(row, limit)
      // A product page's list (aggregate, the same for everyone), without the visitor's own buys.
      const productId = request.query.product_id
      const forProduct = isProductId(productId)
        ? { bought_together: await deps.reader.forProduct(productId, row, limit) }
        : {}
      return answer(row ? 'found' : 'not_found', 200, {
        recommended_products: recommended.items,
        viewed_not_bought: row ? viewedNotBought(row, Date.now()).slice(0, limit) : [],
        cart_item_count: row ? row.cart.reduce((n, c) => n + c[5], 0) : 0,
        ...forProduct,
      })
    },
  )
}

/** A cookie value percent-decoded; a malformed one (`%zz`) is no visitor id: undefined, never a throw. */
function decodeCookie(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}
