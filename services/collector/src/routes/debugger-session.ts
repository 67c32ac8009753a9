import { createHmac, timingSafeEqual } from 'node:crypto'

export const SESSION_COOKIE = 'sillage_debugger'
const CONTEXT = 'sillage-debugger-session/v1:'

export interface DebuggerSessions {
  /** A new cookie value, valid for `maxAgeSeconds`. */
  issue(): { value: string; maxAgeSeconds: number }
  verify(value: string | undefined): boolean
  /** The admin token itself (constant time). */
  tokenMatches(given: string | undefined): boolean
}

/**
 * Stateless debugger sessions derived from the admin token: `<expiry>.<HMAC-SHA256(token, expiry)>`.
 * Every collector that shares the token accepts the cookie (no sticky sessions behind a proxy),
 * the token itself never reaches the page, and changing the token ends every session.
 */
export function createDebuggerSessions(
  adminToken: string,
  opts: { ttlSeconds?: number; now?: () => number } = {},
): DebuggerSessions {
  const ttlSeconds = opts.ttlSeconds ?? 12 * 60 * 60
  const now = opts.now ?? Date.now
  const sign = (expiry: string): Buffer =>
    createHmac('sha256', adminToken)
      .update(CONTEXT + expiry)
      .digest()
  const expected = Buffer.from(adminToken)

  return {
    issue() {
      const expiry = String(Math.floor(now() / 1000) + ttlSeconds)
      return { value: `${expiry}.${sign(expiry).toString('base64url')}`, maxAgeSeconds: ttlSeconds }
    },
    verify(value) {
      if (!value) return false
      const dot = value.indexOf('.')
      const expiry = value.slice(0, dot)
      if (dot <= 0 || !/^\d{1,12}$/.test(expiry) || Number(expiry) * 1000 <= now()) return false
      const given = Buffer.from(value.slice(dot + 1), 'base64url')
      const wanted = sign(expiry)
      return given.length === wanted.length && timingSafeEqual(given, wanted)
    },
    tokenMatches(given) {
      const g = Buffer.from(given ?? '')
      return g.length === expected.length && timingSafeEqual(g, expected)
    },
  }
}

/** One cookie's value from a Cookie header; undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}
