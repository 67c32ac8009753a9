/**
 * Profile read keys (docs/profiles.md#keys): a server-side secret, distinct from every write key
 * and the admin token, scoped to sources. Pure.
 */
export interface ReadKeyGrant {
  id: string
  key: string
  /** Source ids; '*' for all. */
  sources: readonly string[]
}

/** The presented key: `Authorization: Bearer <key>` or `Basic base64(<key>:)`. */
export function presentedKey(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined
  const [scheme, value] = authorization.trim().split(/\s+/, 2)
  if (!scheme || !value) return undefined
  if (scheme.toLowerCase() === 'bearer') return value
  if (scheme.toLowerCase() !== 'basic') return undefined
  const decoded = Buffer.from(value, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon === -1 ? decoded : decoded.slice(0, colon)
}

/**
 * Read keys that collide with a write key or the admin token: refused at start, so that a
 * browser key (public) can never read a profile.
 */
export function collidingReadKeys(
  readKeys: readonly ReadKeyGrant[],
  writeKeys: readonly string[],
  adminToken: string | undefined,
): string[] {
  const secret = new Set(writeKeys)
  if (adminToken) secret.add(adminToken)
  return readKeys.filter((k) => secret.has(k.key)).map((k) => k.id)
}

/** Whether a grant may read a person seen through `sourceIds`. */
export function inScope(grant: ReadKeyGrant, sourceIds: readonly string[]): boolean {
  return grant.sources.includes('*') || sourceIds.some((s) => grant.sources.includes(s))
}

/** A rate limiter's answer: refused, with the whole seconds until one lookup is allowed again (≥ 1). */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number }

/** Buckets a limiter keeps at most before it forgets some (see createRateLimiter). */
export const MAX_BUCKETS = 100_000

/**
 * A token bucket per key: `perMinute` lookups, refilled continuously. Past `maxKeys` buckets (the
 * browser route's cookies are chosen by the caller), the full ones are forgotten first (a full
 * bucket and no bucket allow the same), then the oldest: never every bucket at once, which let a
 * flood of new keys hand every exhausted key a full allowance again. Each route has a limiter of
 * its own (stack.ts), so browser cookies never evict a read key's bucket.
 */
export function createRateLimiter(perMinute: number, now: () => number = Date.now, maxKeys = MAX_BUCKETS) {
  const buckets = new Map<string, { tokens: number; at: number }>()
  const rate = perMinute / 60_000
  const forget = (t: number) => {
    for (const [key, b] of buckets) {
      if (b.tokens + (t - b.at) * rate >= perMinute) buckets.delete(key)
    }
    for (const key of buckets.keys()) {
      if (buckets.size <= maxKeys * 0.9) break
      buckets.delete(key)
    }
  }
  return {
    take(key: string): RateDecision {
      const t = now()
      const b = buckets.get(key) ?? { tokens: perMinute, at: t }
      b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * rate)
      b.at = t
      if (!buckets.has(key)) {
        if (buckets.size >= maxKeys) forget(t)
        buckets.set(key, b)
      }
      if (b.tokens < 1)
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000)) }
      b.tokens -= 1
      return { ok: true }
    },
  }
}

export type RateLimiter = ReturnType<typeof createRateLimiter>
