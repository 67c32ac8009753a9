import { suppressionKey, type SuppressionList } from '@sillage/identifiers'
import type { ProfileStore } from './adapters/profile-store.js'
import { DEFAULT_BLOCKED, lookupKey, type LookupType } from './domain/identifier.js'
import { buildProfileView, type ProfileView } from './domain/profile-view.js'
import { POPULAR_KEY, rankRecommendations, type Recommendation } from './domain/recommend.js'
import type { ProfileCache } from './domain/profile-cache.js'
import type { ProfileRow, RecommendationRow, ScoreRow } from './domain/rows.js'
import { toIso } from './domain/rows.js'

export type LookupResult =
  | { outcome: 'found'; row: ProfileRow; view: ProfileView }
  | { outcome: 'not_found' | 'suppressed' | 'bad_identifier' }

/** Seeds of a person's recommendations: the cart, then the latest views, then the latest buys. */
const SEEDS = 10

/**
 * Reads profiles: identifier -> person (index), the profile and its scores (two key lookups), a
 * suppression check on the asked identifier and on every identifier of the person (an erased
 * person answers not found at once, and its rows are removed), recommendations ranked at read
 * time over the product rows.
 */
export function createProfileReader(deps: {
  store: ProfileStore
  /** The in-process copy read first; misses go to the store. */
  cache?: ProfileCache | undefined
  /**
   * Settles when the copy's preload of the stored recommendations (at start) has ended: a lookup
   * that finds none in the copy waits for it before reading the store.
   */
  recommendationsLoaded?: () => Promise<void>
  suppressions: SuppressionList | undefined
  recommendationLimit: number
  phoneCountryCode?: string | undefined
  /** Identity's blocked values: a lookup of one is a bad identifier. Default: identity's defaults. */
  blockedValues?: readonly string[] | undefined
  onSuppressed?: (personId: string, err?: unknown) => void
  now?: () => number
}) {
  const { store, suppressions, cache } = deps
  const now = deps.now ?? Date.now
  const blocked = deps.blockedValues ? new Set(deps.blockedValues) : DEFAULT_BLOCKED

  async function personOf(key: string): Promise<string | undefined> {
    const hit = cache?.personOf(key)
    if (hit !== undefined) return hit
    // A complete copy knows every key, merged-away person ids included (the runs that fold a
    // merge name them, and after a restart the first fill reads them from the index).
    if (cache?.complete) return undefined
    return store.personOf(key)
  }
  async function profile(personId: string): Promise<ProfileRow | undefined> {
    const hit = cache?.profile(personId)
    if (hit || cache?.complete) return hit
    const stored = await store.profile(personId)
    if (!stored) return undefined
    cache?.putProfile(stored)
    return JSON.parse(stored.text) as ProfileRow
  }
  async function scores(personId: string): Promise<ScoreRow | undefined> {
    const hit = cache?.scores(personId)
    if (hit !== undefined) return hit ?? undefined
    const row = await store.scores(personId)
    cache?.putScores(personId, row ?? null)
    return row
  }
  async function recommendationRows(ids: readonly string[]): Promise<RecommendationRow[]> {
    if (cache && cache.recommendations(POPULAR_KEY) === undefined) await deps.recommendationsLoaded?.()
    if (cache && cache.recommendations(POPULAR_KEY) !== undefined) {
      return ids.map((id) => cache.recommendations(id)).filter((r): r is RecommendationRow => !!r)
    }
    return store.recommendations(ids)
  }
  const isSuppressed = (row: ProfileRow) =>
    suppressions !== undefined &&
    suppressions.size > 0 &&
    row.identifiers.some(([type, value]) => suppressions.has(suppressionKey({ type, value })))

  async function recommendFor(row: ProfileRow | undefined, limit: number) {
    const bought = new Set(row?.bought.map(([p]) => p) ?? [])
    const seeds = row
      ? [
          ...row.cart.map((c) => c[0]),
          ...[...row.viewed].sort((a, b) => (a[1] < b[1] ? 1 : -1)).map((v) => v[0]),
          ...[...row.bought].sort((a, b) => (a[1] < b[1] ? 1 : -1)).map((v) => v[0]),
        ].filter((p, i, a) => a.indexOf(p) === i)
      : []
    const picked = seeds.slice(0, SEEDS)
    const rows = await recommendationRows([...picked, POPULAR_KEY])
    const asOf = rows.find((r) => r.product_id === POPULAR_KEY)?.as_of ?? rows[0]?.as_of
    return {
      as_of: asOf ? toIso(asOf) : null,
      items: rankRecommendations(picked, rows, bought, limit),
    }
  }

  /**
   * `phoneCountryCode`: the calling code a national phone number is read with, as identity reads
   * it (default: identity's own, `deps.phoneCountryCode`).
   */
  async function findRow(
    type: LookupType,
    value: string,
    phoneCountryCode: string | undefined = deps.phoneCountryCode,
  ): Promise<LookupResult | { outcome: 'row'; row: ProfileRow }> {
    const key = lookupKey(type, value, phoneCountryCode, blocked)
    if (!key) return { outcome: 'bad_identifier' }
    if (suppressions && suppressions.size > 0 && suppressions.has(suppressionKey(key.id)))
      return { outcome: 'suppressed' }
    const personId = await personOf(key.key)
    if (personId === undefined) return { outcome: 'not_found' }
    const row = await profile(personId)
    if (!row) return { outcome: 'not_found' }
    if (isSuppressed(row)) {
      cache?.remove(personId)
      store.remove(personId, [...row.identifiers.map(([t, v]) => `${t}:${v}`), `person_id:${personId}`]).then(
        () => deps.onSuppressed?.(personId),
        (err: unknown) => deps.onSuppressed?.(personId, err),
      )
      return { outcome: 'suppressed' }
    }
    return { outcome: 'row', row }
  }

  return {
    async lookup(type: LookupType, value: string, phoneCountryCode?: string): Promise<LookupResult> {
      const found = await findRow(type, value, phoneCountryCode ?? deps.phoneCountryCode)
      if (found.outcome !== 'row') return found
      const [scored, recommended] = await Promise.all([
        scores(found.row.person_id),
        recommendFor(found.row, deps.recommendationLimit),
      ])
      return {
        outcome: 'found',
        row: found.row,
        view: buildProfileView({ row: found.row, scores: scored, recommended, now: now() }),
      }
    },
    /** A product page's list; with a person, their purchases are left out. */
    async forProduct(
      productId: string,
      row: ProfileRow | undefined,
      limit: number,
    ): Promise<Recommendation[]> {
      const rows = await recommendationRows([productId, POPULAR_KEY])
      const bought = new Set(row?.bought.map(([p]) => p) ?? [])
      return rankRecommendations([productId], rows, bought, limit)
    },
    findRow,
    recommendFor,
  }
}

export type ProfileReader = ReturnType<typeof createProfileReader>
