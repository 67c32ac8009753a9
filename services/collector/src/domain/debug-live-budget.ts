/**
 * The debugger's live budget (no I/O): at most `maxPerSecond` events decoded for the watching pages
 * per one-second window; beyond it events are counted as skipped, and the count is reported when
 * the next window opens.
 */
export function createLiveBudget(
  maxPerSecond: number,
  now: () => number,
  reportSkipped: (count: number) => void,
): { admit(): boolean } {
  let window = { startedAt: 0, decoded: 0, skipped: 0 }
  return {
    admit() {
      const t = now()
      if (t - window.startedAt >= 1000) {
        if (window.skipped > 0) reportSkipped(window.skipped)
        window = { startedAt: t, decoded: 0, skipped: 0 }
      }
      if (window.decoded >= maxPerSecond) {
        window.skipped++
        return false
      }
      window.decoded++
      return true
    },
  }
}
