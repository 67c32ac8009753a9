import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from '@sillage/runtime'
import { hasMalformedQueryValue, isCallingCode, isLookupType } from '../domain/identifier.js'
import { isProductId, limitOf } from '../domain/recommend.js'
import { inScope, presentedKey, type RateLimiter, type ReadKeyGrant } from '../domain/read-keys.js'
import { errorBody, type ProfileErrorCode, PROFILE_ERRORS } from '../errors.js'
import type { ProfileMetrics } from '../metrics.js'
import type { ProfileReader } from '../profile-reader.js'
import { MAX_PARAM_LENGTH } from '../server-options.js'
import { OWN_CORS } from './own-cors.js'

export interface ProfileRoutesDeps {
  reader: ProfileReader
  readKeys: readonly ReadKeyGrant[]
  rateLimiter: Pick<RateLimiter, 'take'>
  metrics: ProfileMetrics
  recommendationLimit: number
  /** The lookup log: one line per lookup, never an identifier. */
  log: Logger
}

/**
 * GET /v1/profiles/{type}/{value} (or /v1/profiles/{type}?value=…) and
 * GET /v1/recommendations?product_id=…, for a server-side
 * read key. Fastify's own request log is silenced on these routes (its URL holds the identifier);
 * each lookup logs one line on `deps.log` with the route, the outcome and the key id, never the
 * identifier.
 */
export function registerProfileRoutes(app: FastifyInstance, deps: ProfileRoutesDeps): void {
  const { reader, metrics } = deps
  const byKey = new Map(deps.readKeys.map((k) => [k.key, k]))

  const fail = (reply: FastifyReply, code: ProfileErrorCode) =>
    reply.code(PROFILE_ERRORS[code].status).send(errorBody(code))

  /** The grant of the presented key, or an answer already sent. */
  const authorize = (
    request: FastifyRequest,
    reply: FastifyReply,
    route: string,
  ): ReadKeyGrant | undefined => {
    const grant = byKey.get(presentedKey(request.headers.authorization) ?? '')
    if (!grant) {
      done(request, route, 'unauthorized')
      void fail(reply, 'SIL_PROFILE_UNAUTHORIZED')
      return undefined
    }
    const allowed = deps.rateLimiter.take(grant.id)
    if (!allowed.ok) {
      done(request, route, 'rate_limited', grant.id)
      void reply.header('retry-after', String(allowed.retryAfterSeconds))
      void fail(reply, 'SIL_PROFILE_RATE_LIMITED')
      return undefined
    }
    return grant
  }

  const done = (request: FastifyRequest, route: string, outcome: string, keyId?: string) => {
    metrics.lookups.inc({ outcome })
    const seconds = (performance.now() - (timers.get(request) ?? performance.now())) / 1000
    metrics.lookupDuration.observe({ route }, seconds)
    deps.log.info(
      { reqId: request.id, route, outcome, readKey: keyId, ms: Math.round(seconds * 1e4) / 10 },
      'profile lookup',
    )
  }
  const timers = new WeakMap<FastifyRequest, number>()
  /** A failing store answers 503 with a stable code, never a stack trace. */
  const onError = (route: string) => (err: Error, request: FastifyRequest, reply: FastifyReply) => {
    deps.log.error(
      { reqId: request.id, err: { message: err.message, name: err.name }, route },
      'profile lookup failed',
    )
    done(request, route, 'error')
    void fail(reply, 'SIL_PROFILE_UNAVAILABLE')
  }

  /**
   * A lookup by `type` and `value`, whichever form of the route carried them; `phoneCountryCode`
   * (query) reads a national phone number as identity would with that calling code.
   */
  const lookup = async (
    request: FastifyRequest,
    reply: FastifyReply,
    type: string,
    value: unknown,
    phoneCountryCode: unknown,
  ) => {
    timers.set(request, performance.now())
    const route = 'profile'
    const grant = authorize(request, reply, route)
    if (!grant) return reply
    const callingCode = isCallingCode(phoneCountryCode) ? phoneCountryCode : undefined
    if (
      !isLookupType(type) ||
      typeof value !== 'string' ||
      (phoneCountryCode !== undefined && callingCode === undefined)
    ) {
      done(request, route, 'bad_identifier', grant.id)
      return fail(reply, 'SIL_PROFILE_BAD_IDENTIFIER')
    }
    if (value.length > MAX_PARAM_LENGTH) {
      done(request, route, 'bad_identifier', grant.id)
      return fail(reply, 'SIL_PROFILE_URI_TOO_LONG')
    }
    const result = await reader.lookup(type, value, callingCode)
    if (result.outcome !== 'found') {
      done(request, route, result.outcome, grant.id)
      return fail(
        reply,
        result.outcome === 'bad_identifier' ? 'SIL_PROFILE_BAD_IDENTIFIER' : 'SIL_PROFILE_NOT_FOUND',
      )
    }
    // Out of the key's sources: the same answer as no profile (nothing to learn from a 403).
    if (!inScope(grant, result.row.source_ids)) {
      done(request, route, 'out_of_scope', grant.id)
      return fail(reply, 'SIL_PROFILE_NOT_FOUND')
    }
    done(request, route, 'found', grant.id)
    return reply.header('cache-control', 'private, no-store').send(result.view)
  }

  app.get<{ Params: { type: string; value: string }; Querystring: { phoneCountryCode?: unknown } }>(
    '/v1/profiles/:type/:value',
    { ...OWN_CORS, logLevel: 'warn', errorHandler: onError('profile') },
    (request, reply) =>
      lookup(request, reply, request.params.type, request.params.value, request.query.phoneCountryCode),
  )
  // The same lookup with the value in the query: a value that is a path dot-segment (`.`, `..`,
  // also as `%2E`) cannot travel in a URL path, which every WHATWG URL parser (fetch) resolves.
  app.get<{ Params: { type: string }; Querystring: { value?: unknown; phoneCountryCode?: unknown } }>(
    '/v1/profiles/:type',
    { ...OWN_CORS, logLevel: 'warn', errorHandler: onError('profile') },
    (request, reply) =>
      lookup(
        request,
        reply,
        request.params.type,
        // A malformed escape (`%ZZ`) is refused as in the path, not looked up as its raw text.
        hasMalformedQueryValue(request.url) ? undefined : request.query.value,
        request.query.phoneCountryCode,
      ),
  )

  app.get<{ Querystring: { product_id?: string; limit?: unknown } }>(
    '/v1/recommendations',
    { ...OWN_CORS, logLevel: 'warn', errorHandler: onError('recommendations') },
    async (request, reply) => {
      timers.set(request, performance.now())
      const route = 'recommendations'
      const grant = authorize(request, reply, route)
      if (!grant) return reply
      const productId = request.query.product_id
      if (!isProductId(productId)) {
        done(request, route, 'bad_request', grant.id)
        return fail(reply, 'SIL_PROFILE_BAD_REQUEST')
      }
      const limit = limitOf(request.query.limit, deps.recommendationLimit, 50)
      const items = await reader.forProduct(productId, undefined, limit)
      done(request, route, 'found', grant.id)
      return reply.send({ product_id: productId, items })
    },
  )
}
