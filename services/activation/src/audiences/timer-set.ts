/**
 * The runner's pending timers: each one leaves the set when it fires, so a loop that re-arms
 * itself every tick (deliveries every few seconds, for months) holds one entry, not one per tick
 * since start. `clear()` cancels those still pending (stop).
 */
export interface TimerSet {
  later(fn: () => void, ms: number): void
  clear(): void
  readonly size: number
}

export function createTimerSet(): TimerSet {
  const pending = new Set<NodeJS.Timeout>()
  return {
    later(fn, ms) {
      const timer = setTimeout(() => {
        pending.delete(timer)
        fn()
      }, ms)
      pending.add(timer)
    },
    clear() {
      for (const timer of pending) clearTimeout(timer)
      pending.clear()
    },
    get size() {
      return pending.size
    },
  }
}
