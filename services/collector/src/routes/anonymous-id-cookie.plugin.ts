import type { FastifyInstance } from 'fastify'
import { readCookie } from '@sillage/runtime'
import { ANONYMOUS_ID_COOKIE, type Source } from '@sillage/schemas'
import { writeKeyFromAuthorization } from '../domain/auth.js'

/** 13 months, as the browser SDK writes it (the CNIL's limit for audience measurement). */
export const ANONYMOUS_ID_MAX_AGE = 34_214_400

/** An id as the SDK writes it (encodeURIComponent output): nothing that could end the header. */
const VALID_VALUE = /^[\w.~%-]{1,512}$/

/** The value of cookie `name` in a Cookie header, raw (still encoded): the runtime's. */
export { readCookie }

export function anonymousIdCookie(value: string, secure: boolean, domain: string | undefined): string {
  return (
    `${ANONYMOUS_ID_COOKIE}=${value}; Max-Age=${ANONYMOUS_ID_MAX_AGE}; Path=/; SameSite=Lax` +
    (secure ? '; Secure' : '') +
    (domain ? `; Domain=${domain}` : '')
  )
}

/**
 * Safari (ITP) caps cookies written by JavaScript at 7 days; cookies set by the site's own server
 * keep their lifetime. When the collector is served on the shop's domain (a reverse proxy), each
 * accepted request from a browser source that carries the SDK's anonymous-id cookie gets it back
 * in a Set-Cookie, renewed for 13 months. Sources opt out with
 * `"anonymousIdCookie": { "refresh": false }`; `domain` must match the SDK's `cookieDomain`.
 */
export function registerAnonymousIdCookieRefresh(
  app: FastifyInstance,
  deps: { findSource: (writeKey: string) => Source | undefined },
): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'POST' || reply.statusCode !== 200 || !request.url.startsWith('/v1/'))
      return payload
    const value = readCookie(request.headers.cookie, ANONYMOUS_ID_COOKIE)
    if (!value || !VALID_VALUE.test(value)) return payload
    const body = request.body as { writeKey?: unknown } | undefined
    const writeKey =
      writeKeyFromAuthorization(request.headers.authorization) ??
      (typeof body?.writeKey === 'string' ? body.writeKey : undefined)
    const source = writeKey === undefined ? undefined : deps.findSource(writeKey)
    if (source?.type !== 'browser' || !source.anonymousIdCookie.refresh) return payload
    void reply.header(
      'set-cookie',
      anonymousIdCookie(value, request.protocol === 'https', source.anonymousIdCookie.domain),
    )
    return payload
  })
}
