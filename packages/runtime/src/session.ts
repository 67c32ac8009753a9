import { createHmac, timingSafeEqual } from 'node:crypto'
import { readCookie } from './cookie.js'
import { bearerCredentials } from './admin-token.js'

/** How long a session lasts unless told otherwise: 12 hours. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60

const ROLE_NAME = /^[a-z][a-z0-9_-]*$/
const EXPIRY = /^\d{1,12}$/

export interface SessionOptions<R extends string> {
  /** The cookie's name and the path it is sent to, e.g. `sillage_debugger` on `/debugger`. */
  cookie: { name: string; path: string }
  /**
   * Signed into every MAC (e.g. `sillage-debugger-session/v1:`), so that a cookie issued for one
   * page never opens another, even when both are signed with the same token.
   */
  context: string
  /**
   * The token of each role, which is also the key that signs its sessions. A role without a token
   * (undefined or empty) grants nothing. When two roles share a token, the first one listed wins.
   */
  keys: { readonly [role in R]: string | undefined }
  /** Default SESSION_TTL_SECONDS. */
  ttlSeconds?: number
  now?: () => number
}

export interface Sessions<R extends string> {
  readonly cookieName: string
  /** The role a token grants, or undefined (every role's token compared, in constant time). */
  roleOf(token: string | undefined): R | undefined
  /** A cookie value for `role`, valid for `maxAgeSeconds`. */
  issue(role: R): { value: string; maxAgeSeconds: number }
  /** The role of a cookie value; undefined when it is forged, expired, or its role's token changed. */
  verify(value: string | undefined): R | undefined
  /** `Authorization: Bearer <token>` when present, else the session cookie. */
  roleOfRequest(headers: { authorization?: string | undefined; cookie?: string | undefined }): R | undefined
  /** The Set-Cookie header for a value (an empty value with 0 signs out). */
  setCookie(value: string, maxAgeSeconds: number, secure: boolean): string
}

function same(given: string, expected: string): boolean {
  const g = Buffer.from(given)
  const e = Buffer.from(expected)
  return g.length === e.length && timingSafeEqual(g, e)
}

/**
 * Stateless, role-aware sessions for the pages an operator signs in to (the debugger, the
 * dashboard): a token is exchanged once for an HttpOnly, SameSite=Strict cookie, so the token never
 * reaches the page and `EventSource` works as is. The value is `<payload>.<HMAC-SHA256(token of the
 * role, context + payload)>`, where the payload is `<role>.<expiry>`, or only `<expiry>` when one
 * role is declared (nothing to choose). Every process sharing the tokens accepts the cookie (no
 * sticky sessions behind a proxy), and changing a role's token ends the sessions it opened.
 */
export function createSessions<R extends string>(options: SessionOptions<R>): Sessions<R> {
  const roles = Object.keys(options.keys) as R[]
  for (const role of roles)
    if (!ROLE_NAME.test(role)) throw new Error(`session role ${JSON.stringify(role)} is not a plain name`)
  const named = roles.length > 1
  const ttlSeconds = options.ttlSeconds ?? SESSION_TTL_SECONDS
  const now = options.now ?? Date.now
  const { name, path } = options.cookie
  const keyOf = (role: R): string | undefined => options.keys[role] || undefined
  const mac = (role: R, payload: string): string | undefined => {
    const key = keyOf(role)
    return key
      ? createHmac('sha256', key)
          .update(options.context + payload)
          .digest('base64url')
      : undefined
  }
  const isRole = (v: string | undefined): v is R => v !== undefined && roles.includes(v as R)

  const roleOf = (token: string | undefined): R | undefined => {
    if (!token) return undefined
    // Every key is compared, so the time taken does not tell which role a near miss was close to.
    const matching = roles.filter((role) => {
      const key = keyOf(role)
      return key !== undefined && same(token, key)
    })
    return matching[0]
  }

  const verify = (value: string | undefined): R | undefined => {
    const parts = (value ?? '').split('.')
    if (parts.length !== (named ? 3 : 2)) return undefined
    const role = named ? parts[0] : roles[0]
    const expiry = parts[parts.length - 2]
    const given = parts[parts.length - 1]
    if (!isRole(role) || expiry === undefined || given === undefined) return undefined
    if (!EXPIRY.test(expiry) || Number(expiry) * 1000 <= now()) return undefined
    const wanted = mac(role, named ? `${role}.${expiry}` : expiry)
    return wanted !== undefined && same(given, wanted) ? role : undefined
  }

  return {
    cookieName: name,
    roleOf,
    verify,
    issue(role) {
      const expiry = String(Math.floor(now() / 1000) + ttlSeconds)
      const payload = named ? `${role}.${expiry}` : expiry
      return { value: `${payload}.${mac(role, payload) ?? ''}`, maxAgeSeconds: ttlSeconds }
    },
    roleOfRequest({ authorization, cookie }) {
      const bearer = bearerCredentials(authorization)
      if (bearer !== undefined) return roleOf(bearer)
      return verify(readCookie(cookie, name))
    },
    setCookie(value, maxAgeSeconds, secure) {
      return (
        `${name}=${value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict` +
        (secure ? '; Secure' : '')
      )
    },
  }
}
