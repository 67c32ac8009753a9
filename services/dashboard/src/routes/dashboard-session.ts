import { createHmac, timingSafeEqual } from 'node:crypto'

export const SESSION_COOKIE = 'sillage_dashboard'
const CONTEXT = 'sillage-dashboard-session/v1:'

export type Role = 'admin' | 'analyst'

export interface DashboardSessions {
  /** The role a token grants, or undefined (constant time per token). */
  roleOf(token: string | undefined): Role | undefined
  /** A cookie value for `role`, valid for `maxAgeSeconds`. */
  issue(role: Role): { value: string; maxAgeSeconds: number }
  /** The role of a cookie value, or undefined when it is forged, expired or its token changed. */
  verify(value: string | undefined): Role | undefined
}

function same(given: string, expected: string): boolean {
  const g = Buffer.from(given)
  const e = Buffer.from(expected)
  return g.length === e.length && timingSafeEqual(g, e)
}

/**
 * Stateless sessions for /dashboard/, as the debugger's: `<role>.<expiry>.<HMAC(token of the
 * role, role + expiry)>`. The token never reaches the page, every process sharing the tokens
 * accepts the cookie, and changing a token ends the sessions it opened. Its own context string:
 * a debugger cookie is no dashboard cookie, and the reverse.
 */
export function createDashboardSessions(
  tokens: { admin: string; analyst?: string | undefined },
  opts: { ttlSeconds?: number; now?: () => number } = {},
): DashboardSessions {
  const ttlSeconds = opts.ttlSeconds ?? 12 * 60 * 60
  const now = opts.now ?? Date.now
  const keyOf = (role: Role): string | undefined => (role === 'admin' ? tokens.admin : tokens.analyst)
  const sign = (role: Role, expiry: string): string | undefined => {
    const key = keyOf(role)
    return key
      ? createHmac('sha256', key).update(`${CONTEXT}${role}.${expiry}`).digest('base64url')
      : undefined
  }
  return {
    roleOf(token) {
      if (!token) return undefined
      const admin = same(token, tokens.admin)
      const analyst = tokens.analyst !== undefined && same(token, tokens.analyst)
      return admin ? 'admin' : analyst ? 'analyst' : undefined
    },
    issue(role) {
      const expiry = String(Math.floor(now() / 1000) + ttlSeconds)
      return { value: `${role}.${expiry}.${sign(role, expiry) ?? ''}`, maxAgeSeconds: ttlSeconds }
    },
    verify(value) {
      const [role, expiry, mac, extra] = (value ?? '').split('.')
      if (extra !== undefined || (role !== 'admin' && role !== 'analyst')) return undefined
      if (!expiry || !/^\d{1,12}$/.test(expiry) || Number(expiry) * 1000 <= now()) return undefined
      const wanted = sign(role, expiry)
      return wanted !== undefined && mac !== undefined && same(mac, wanted) ? role : undefined
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
