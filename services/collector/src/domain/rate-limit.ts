export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number }

/**
 * Token buckets per key (source and client IP). A bucket holds up to one minute's allowance and
 * refills continuously. The map of buckets is bounded: the least recently used key goes first.
 */
export function createRateLimiter(opts: { maxKeys?: number; now?: () => number } = {}) {
  const maxKeys = opts.maxKeys ?? 100_000
  const now = opts.now ?? Date.now
  const buckets = new Map<string, { tokens: number; at: number }>()

  return {
    take(key: string, perMinute: number, cost: number): RateDecision {
      const t = now()
      const perMs = perMinute / 60_000
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: t }
      bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.at) * perMs)
      bucket.at = t
      buckets.delete(key)
      buckets.set(key, bucket)
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string)
      // A request larger than a minute's allowance needs a full bucket, and empties it.
      const needed = Math.min(cost, perMinute)
      if (bucket.tokens >= needed) {
        bucket.tokens -= needed
        return { ok: true }
      }
      const missing = needed - bucket.tokens
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / perMs / 1000)) }
    },
  }
}

export type RateLimiter = ReturnType<typeof createRateLimiter>
