/**
 * A circuit breaker per destination: `threshold` consecutive failures open it for `cooldownMs`,
 * during which nothing is sent (pending deliveries wait, they are not dead-lettered); then one
 * trial batch (half-open) closes it on success or re-opens it. Pure: time is passed in.
 */
export type BreakerState = 'closed' | 'open' | 'half-open'

export function createCircuitBreaker(opts: { threshold: number; cooldownMs: number }) {
  let failures = 0
  let openedAt: number | undefined
  return {
    state(now: number): BreakerState {
      if (openedAt === undefined) return 'closed'
      return now - openedAt >= opts.cooldownMs ? 'half-open' : 'open'
    },
    /** Whether a batch may be sent now. */
    allows(now: number): boolean {
      return this.state(now) !== 'open'
    },
    success(): void {
      failures = 0
      openedAt = undefined
    },
    failure(now: number): void {
      failures++
      if (openedAt !== undefined || failures >= opts.threshold) openedAt = now
    },
  }
}

export type CircuitBreaker = ReturnType<typeof createCircuitBreaker>
