/**
 * The overview's short cache: the models' rows of a view (its filters) kept `ttlMs`, so that a
 * reload, a second tab or a colleague on the same view does not recompute every view of the
 * warehouse (0.8–2.7 s). Bounded to `maxEntries` views, the oldest dropped first; a read that
 * fails is forgotten at once; requests for a view being read wait for that read (one read per view
 * at a time). Each value carries the instant it was read: the page shows it ("figures as of").
 *
 * Every value is kept under the stamp it was read with (the erasure stamp: DashboardQueries'
 * `erasures`, read before the view); a request with another stamp drops them all and reads again.
 * An erased person is in no value served after the erasure has ended (docs/privacy.md).
 */
export interface CachedValue<T> {
  value: T
  /** When the read started (ms since the epoch): the figures are as of then. */
  at: number
}

export interface OverviewCache<T> {
  /**
   * The value of `key` read at most `ttlMs` ago under the same `stamp`, else `load()`'s (kept). The
   * stamp must be read before `load` starts; a new one drops every value kept under another.
   */
  get(key: string, load: () => Promise<T>, stamp?: string): Promise<CachedValue<T>>
  /** How many views are kept (expired ones included until replaced or pushed out). */
  readonly size: number
}

export interface OverviewCacheOptions<T> {
  /** How long a read is served; 0 reads every time. */
  ttlMs: number
  /** How many views are kept at most. */
  maxEntries?: number
  /** The clock (tests). */
  now?: () => number
  /**
   * Whether a value read is worth keeping; one that is not is served to the requests that waited
   * for it, then read again next time (the dashboard keeps no view without a visit or an order: a
   * shop being seeded shows its first figures at the next reload, not 30 s later).
   */
  keep?: (value: T) => boolean
}

export const OVERVIEW_TTL_MS = 30_000
const MAX_ENTRIES = 64

export function createOverviewCache<T>(options: OverviewCacheOptions<T>): OverviewCache<T> {
  const { ttlMs, maxEntries = MAX_ENTRIES, now = Date.now, keep } = options
  const entries = new Map<string, { at: number; value: Promise<T> }>()
  /** The stamp every kept value was read under. */
  let current = ''
  return {
    get size() {
      return entries.size
    },
    async get(key, load, stamp = '') {
      if (stamp !== current) {
        entries.clear()
        current = stamp
      }
      const kept = entries.get(key)
      if (kept && now() - kept.at < ttlMs) return { value: await kept.value, at: kept.at }
      const at = now()
      const value = load()
      if (ttlMs > 0) {
        entries.delete(key)
        entries.set(key, { at, value })
        for (const oldest of entries.keys()) {
          if (entries.size <= maxEntries) break
          entries.delete(oldest)
        }
        const forget = () => {
          if (entries.get(key)?.value === value) entries.delete(key)
        }
        value.then((v) => {
          if (keep && !keep(v)) forget()
        }, forget)
      }
      return { value: await value, at }
    },
  }
}
