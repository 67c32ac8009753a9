import { performance } from 'node:perf_hooks'
import type { Logger } from '@sillage/runtime'
import type { ProfileStore, RefreshResult } from '../adapters/profile-store.js'
import { fromMs, toMs } from '../domain/rows.js'
import type { ProfileMetrics } from '../metrics.js'
import { createPeriodicJob, type PeriodicJob } from './periodic.js'

export const REFRESH_WATERMARK = 'refresh'

/**
 * The stream-attribute refresher: every run folds the events inserted since the watermark (at most
 * about `maxEvents`), re-reading `overlapMs` before it for inserts still being committed (a
 * re-read event folds idempotently), and the merges recorded since, into their persons' states,
 * then advances the watermark to the warehouse time taken before the run, or to where the cap
 * stopped (the next run then starts at once). The first run (no watermark) starts from the epoch.
 * A run with nothing to fold (no event since `from`, no merge) runs no fold step (`idle`).
 */
export function createRefresher(deps: {
  store: ProfileStore
  log: Logger
  metrics: ProfileMetrics
  intervalMs: number
  overlapMs: number
  /** Run after each refresh with what it rewrote (the reader's copy), then the erasure sweep. */
  afterRefresh?: (result: RefreshResult) => Promise<void>
  /** New events folded per run, at most (about: a whole insert time more at the bound). */
  maxEvents: number
  /** Rewritten profiles a run answers for the reader's copy, at most. */
  readBack: number
}): PeriodicJob {
  const { store, metrics } = deps
  return createPeriodicJob({
    name: 'refresh',
    intervalMs: deps.intervalMs,
    log: deps.log,
    onFailure: () => metrics.jobFailures.inc({ job: 'refresh' }),
    async run() {
      const started = process.hrtime.bigint()
      const upTo = await store.now()
      const mark = await store.watermark(REFRESH_WATERMARK)
      const epoch = '1970-01-01 00:00:00.000'
      const from = mark === undefined ? epoch : fromMs(Math.max(0, toMs(mark) - deps.overlapMs))
      const result = await store.refresh({
        mark: mark ?? epoch,
        from,
        upTo,
        cap: deps.maxEvents,
        readBack: deps.readBack,
      })
      await store.setWatermark(REFRESH_WATERMARK, result.reached)
      const after = performance.now()
      await deps.afterRefresh?.(result)
      deps.log.debug(
        {
          persons: result.persons.length,
          capped: result.capped,
          idle: result.idle,
          ms: { ...result.ms, copy: Math.round(performance.now() - after) },
        },
        'profiles refresh run',
      )
      metrics.refreshLag.set(Math.max(0, (Date.now() - toMs(result.reached)) / 1000))
      metrics.refreshDuration.observe({ job: 'refresh' }, Number(process.hrtime.bigint() - started) / 1e9)
      return result.capped
    },
  })
}

/** Scores, then recommendations, on the scoring period. */
export function createScorer(deps: {
  store: ProfileStore
  log: Logger
  metrics: ProfileMetrics
  intervalMs: number
  recommendationDays: number
  recommendationLimit: number
  /** Run after each scoring run (the reader's copy drops old scores, reloads recommendations). */
  afterScores?: () => Promise<void>
}): PeriodicJob {
  const { store, metrics } = deps
  return createPeriodicJob({
    name: 'scores',
    intervalMs: deps.intervalMs,
    log: deps.log,
    onFailure: () => metrics.jobFailures.inc({ job: 'scores' }),
    async run() {
      const started = process.hrtime.bigint()
      const asOf = await store.now()
      try {
        await store.computeRecommendations(asOf, deps.recommendationDays, deps.recommendationLimit)
        await store.score(asOf)
      } finally {
        // Even after a failure (a model that cannot fit on a young warehouse): the reader's copy
        // then holds what the store has, and lookups never fall through to it for scores.
        await deps.afterScores?.()
      }
      metrics.refreshDuration.observe({ job: 'scores' }, Number(process.hrtime.bigint() - started) / 1e9)
    },
  })
}
