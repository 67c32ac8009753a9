import { setImmediate } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { Logger, Registry } from '@sillage/runtime'
import { suppressionKey, type SuppressionList } from '@sillage/identifiers'
import type { Warehouse } from '@sillage/warehouse'
import { createProfileStore, type ProfileStore } from './adapters/profile-store.js'
import type { ProfilesOptions } from './config.js'
import type { BrowserSource } from './domain/browser-keys.js'
import { collidingReadKeys, createRateLimiter } from './domain/read-keys.js'
import { ProfileError } from './errors.js'
import { createRefresher, createScorer } from './jobs/refresher.js'
import { createProfileMetrics } from './metrics.js'
import { createProfileCache } from './domain/profile-cache.js'
import { POPULAR_KEY } from './domain/recommend.js'
import { createProfileReader, type ProfileReader } from './profile-reader.js'
import { registerProfileRoutes } from './routes/profiles.route.js'
import { registerBrowserProfileRoute } from './routes/browser-profile.route.js'

/** [merged-away person id, survivor] pairs as survivor -> merged-away ids. */
function bySurvivor(pairs: ReadonlyArray<[string, string]>): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const [old, pid] of pairs) {
    const olds = out.get(pid)
    if (olds) olds.push(old)
    else out.set(pid, [old])
  }
  return out
}

/** Profiles put into the copy between two yields to the event loop. */
const PUT_PAGE = 200

/** `put` for each profile, yielding every PUT_PAGE: lookups on this loop never wait behind a run. */
async function putPaged<T>(items: readonly T[], put: (item: T) => void): Promise<void> {
  for (const [i, item] of items.entries()) {
    put(item)
    if (i % PUT_PAGE === PUT_PAGE - 1) await setImmediate()
  }
}

export interface ProfilesStackDeps {
  warehouse: Warehouse
  log: Logger
  registry: Registry
  options: Readonly<ProfilesOptions>
  /** The erased identifiers (privacy.suppressions): their people answer 404 at once. */
  suppressions?: SuppressionList | undefined
  /** Every write key and the admin token: a read key equal to one of them is refused. */
  writeKeys?: readonly string[]
  adminToken?: string | undefined
  /**
   * Browser sources (the browser-safe route checks the request's origin against theirs), with
   * their rotated-out keys (`previousWriteKeys`), accepted as the collector accepts them.
   */
  browserSources?: readonly BrowserSource[]
  /**
   * Identity's calling code for national phone numbers (SILLAGE_IDENTITY_RULES); default:
   * `options.phoneCountryCode`.
   */
  phoneCountryCode?: string | undefined
  /** Buckets each rate limiter keeps at most (default MAX_BUCKETS, domain/read-keys.ts; tests). */
  rateLimitBuckets?: number | undefined
}

export interface ProfilesStack {
  store: ProfileStore
  reader: ProfileReader
  /** Adds the profile routes to a Fastify app (the collector's, or the standalone server). */
  register(app: FastifyInstance): void
  /** Starts the refresher and the scorer (the first runs at once). */
  start(): void
  stop(): Promise<void>
  /** Refresh runs now until one is not stopped by the cap (tests, benches). */
  refreshNow(): Promise<void>
  /** Scores and recommendations now. */
  scoreNow(): Promise<void>
  /**
   * Events were stored (identity in the same process): the next refresh starts shortly, not a
   * whole period later. Without it the refresher polls every period.
   */
  stored(): void
  /**
   * Resolves once the refresh and scoring runs in flight have ended: an erasure in this process
   * waits for it, then deletes again what a run that read the person before it wrote back.
   */
  idle(): Promise<void>
}

/** New events a refresh run folds, at most (options.refreshMaxEvents). */
const DEFAULT_REFRESH_MAX_EVENTS = 50_000

/** The profiles service (docs/profiles.md): store, jobs and routes, for main.ts and `sillage start`. */
export function createProfilesStack(deps: ProfilesStackDeps): ProfilesStack {
  const { options } = deps
  const log = deps.log.child({ component: 'profiles' })
  const colliding = collidingReadKeys(options.readKeys, deps.writeKeys ?? [], deps.adminToken)
  if (colliding.length > 0) {
    throw new ProfileError('SIL_PROFILE_CONFIG_INVALID', {
      message: `profile read keys ${colliding.join(', ')} equal a write key or the admin token: a read key must be its own secret`,
    })
  }
  const metrics = createProfileMetrics(deps.registry)
  const store = createProfileStore(deps.warehouse, options.jobThreads)
  const cache = createProfileCache(options.cacheProfiles)
  /** The copy's preload of the stored recommendations (start): lookups wait for it. */
  let preload: Promise<void> = Promise.resolve()
  const reader = createProfileReader({
    store,
    cache,
    recommendationsLoaded: () => preload,
    suppressions: deps.suppressions,
    recommendationLimit: options.recommendationLimit,
    phoneCountryCode: deps.phoneCountryCode ?? options.phoneCountryCode,
    blockedValues: options.blockedValues,
    onSuppressed: (_person, err) => {
      if (err) log.warn({ err }, 'could not remove an erased person’s profile; the sweep will')
    },
  })
  // The erasure sweep: when the suppression list grew, profiles holding a suppressed identifier
  // are removed (the admin's erasure deletes them too; this catches a refresh that raced it).
  let sweptAtSize = 0
  const sweep = async () => {
    const list = deps.suppressions
    if (!list || list.size === sweptAtSize) return
    const size = list.size
    for (const row of await store.allIdentifiers()) {
      if (!row.identifiers.some(([type, value]) => list.has(suppressionKey({ type, value })))) continue
      const keys = row.identifiers.map(([t, v]) => `${t}:${v}`)
      cache.remove(row.person_id)
      await store.remove(row.person_id, [...keys, `person_id:${row.person_id}`])
    }
    sweptAtSize = size
  }
  let firstRun = true
  let capped = false
  const refresher = createRefresher({
    store,
    log,
    metrics,
    intervalMs: options.refreshIntervalMs,
    overlapMs: options.refreshOverlapMs,
    maxEvents: options.refreshMaxEvents ?? DEFAULT_REFRESH_MAX_EVENTS,
    readBack: options.cacheProfiles,
    async afterRefresh(result) {
      capped = result.capped
      if (firstRun) {
        // The copy starts from every stored profile (none on a new store), each with the person
        // ids merged into it (the index keeps them), then holds every profile the refresher
        // rewrites: a person_id miss, a merged-away one's included, is then an answer.
        const all = await store.allProfileTexts(options.cacheProfiles + 1)
        const pairs = await store.mergedPersonIds(options.cacheProfiles + 1)
        const mergedInto = bySurvivor(pairs)
        await putPaged(all, (profile) => {
          for (const id of mergedInto.get(profile.person_id) ?? []) profile.keys.push(`person_id:${id}`)
          cache.putProfile(profile)
        })
        cache.complete = all.length <= options.cacheProfiles && pairs.length <= options.cacheProfiles
        firstRun = false
      }
      const merged = bySurvivor(result.merged)
      // The run read its rewritten profiles back (parsed a page at a time) before its rows went.
      await putPaged(result.profiles, (profile) => {
        const old = merged.get(profile.person_id) ?? []
        for (const id of old) profile.keys.push(`person_id:${id}`)
        cache.putProfile(profile)
        for (const id of old) cache.remove(id)
      })
      // More rewritten than read back: the copy misses some, so misses must ask the warehouse.
      if (result.persons.length > options.cacheProfiles) cache.complete = false
      await sweep()
    },
  })
  const scorer = createScorer({
    store,
    log,
    metrics,
    intervalMs: options.scoreIntervalMs,
    recommendationDays: options.recommendationDays,
    recommendationLimit: options.recommendationLimit,
    async afterScores() {
      cache.setAllScores(await store.allScores(options.cacheProfiles + 1))
      cache.setRecommendations(await store.allRecommendations())
    },
  })
  // One limiter per route: the browser route's buckets are keyed by cookies anyone can mint, and
  // must never share a table (and its evictions) with the read keys' buckets.
  const rateLimiter = createRateLimiter(options.rateLimitPerMinute, Date.now, deps.rateLimitBuckets)
  const browserRateLimiter = createRateLimiter(options.rateLimitPerMinute, Date.now, deps.rateLimitBuckets)
  let stopped = true
  return {
    store,
    reader,
    register(app) {
      registerProfileRoutes(app, {
        reader,
        readKeys: options.readKeys,
        rateLimiter,
        metrics,
        recommendationLimit: options.recommendationLimit,
        log,
      })
      registerBrowserProfileRoute(app, {
        reader,
        sources: deps.browserSources ?? [],
        rateLimiter: browserRateLimiter,
        metrics,
        log,
      })
    },
    start() {
      stopped = false
      refresher.start()
      // The recommendations and scores already in the store go into the copy first (a restart),
      // so that no lookup asks the warehouse while the first scoring run is still going. A lookup
      // asked before the recommendations are in waits for them (docs/profiles.md#storage); one
      // that failed to load leaves the lookups reading the warehouse until the first run ends.
      preload = store.allRecommendations().then(
        (rows) => {
          // A scoring run that ended first (scoreNow) put newer ones.
          if (cache.recommendations(POPULAR_KEY) === undefined) cache.setRecommendations(rows)
        },
        (err: unknown) =>
          log.warn({ err }, 'could not load the recommendations; lookups read them from the warehouse'),
      )
      const scores = store.allScores(options.cacheProfiles + 1).then(
        (rows) => cache.setAllScores(rows),
        (err: unknown) =>
          log.warn({ err }, 'could not load the scores; lookups read them from the warehouse'),
      )
      const loading = Promise.all([preload, scores])
      void loading.finally(() => {
        if (!stopped) scorer.start()
      })
    },
    async stop() {
      stopped = true
      await refresher.stop()
      await scorer.stop()
    },
    async refreshNow() {
      do await refresher.runOnce()
      while (capped)
    },
    scoreNow: () => scorer.runOnce(),
    stored: () => refresher.poke(),
    idle: () => Promise.all([refresher.idle(), scorer.idle()]).then(() => undefined),
  }
}
