/**
 * Audiences whose sync failed (a query error in their definition, a table not there yet) are
 * retried on their own, with backoff, before the next scheduled sync: `baseMs` doubling, capped
 * at `maxMs` (the sync interval). The others never wait for them. Timers only: the retry itself
 * (`retry`) is the caller's, which runs it on its queue.
 */
export interface SyncRetryDeps {
  baseMs: number
  maxMs: number
  /** Re-syncs these audiences, then reports the outcome through `settled`. */
  retry: (ids: ReadonlySet<string>) => Promise<void>
  onError: (err: unknown) => void
}

export function createSyncRetry(deps: SyncRetryDeps) {
  const failed = new Set<string>()
  let attempt = 0
  let timer: NodeJS.Timeout | undefined
  // Off until started: a one-off sync (the CLI) records failures but schedules nothing.
  let stopped = true

  function schedule(): void {
    if (stopped || timer || failed.size === 0) return
    const delay = Math.min(deps.baseMs * 2 ** Math.min(attempt, 30), deps.maxMs)
    attempt++
    timer = setTimeout(() => {
      timer = undefined
      deps.retry(new Set(failed)).catch(deps.onError).finally(schedule)
    }, delay)
  }

  return {
    /** After a sync of `tried`: those not in `synced` failed, the rest are fine again. */
    settled(tried: readonly string[], synced: readonly string[]): void {
      const ok = new Set(synced)
      for (const id of tried) {
        if (ok.has(id)) failed.delete(id)
        else failed.add(id)
      }
      if (failed.size === 0) attempt = 0
      schedule()
    },
    /** An audience no longer defined is not retried. */
    forget(ids: Iterable<string>): void {
      for (const id of ids) failed.delete(id)
      if (failed.size === 0) attempt = 0
    },
    failed: (): ReadonlySet<string> => new Set(failed),
    stop(): void {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = undefined
    },
    start(): void {
      stopped = false
      schedule()
    },
  }
}

export type SyncRetry = ReturnType<typeof createSyncRetry>
