import type { ProfileRow, RecommendationRow, ScoreRow } from './rows.js'

/**
 * The in-process copy of the profile store that lookups read first (docs/profiles.md#storage):
 * the refresher puts every profile it rewrites here, with its identifier keys; the scorer drops
 * the scores it replaced and reloads the recommendations. A miss falls through to the warehouse.
 * Bounded: the oldest profiles go first. Pure (no I/O).
 */
export interface ProfileCache {
  personOf(idKey: string): string | undefined
  profile(personId: string): ProfileRow | undefined
  /** A profile and every key that names it (identifiers, its person id, merged person ids). */
  putProfile(row: ProfileRow, keys: readonly string[]): void
  remove(personId: string): void
  scores(personId: string): ScoreRow | null | undefined
  putScores(personId: string, row: ScoreRow | null): void
  clearScores(): void
  recommendations(productId: string): RecommendationRow | null | undefined
  setRecommendations(rows: readonly RecommendationRow[]): void
  /** Replaces every score (after a scoring run); lookups then never miss on scores. */
  setAllScores(rows: readonly ScoreRow[]): void
  /**
   * Set when the copy holds every profile of the store (the first refresh read all of them back
   * and nothing was evicted since): a miss is then an answer (not found), not a warehouse query.
   */
  complete: boolean
  readonly size: number
}

export function createProfileCache(maxProfiles: number): ProfileCache {
  const profiles = new Map<string, ProfileRow>()
  const keysOf = new Map<string, readonly string[]>()
  const persons = new Map<string, string>()
  let scores = new Map<string, ScoreRow | null>()
  let recommendations: Map<string, RecommendationRow> | undefined
  let scoresComplete = false
  let complete = false
  const remove = (personId: string) => {
    profiles.delete(personId)
    scores.delete(personId)
    for (const key of keysOf.get(personId) ?? []) if (persons.get(key) === personId) persons.delete(key)
    keysOf.delete(personId)
  }
  return {
    personOf: (key) => persons.get(key),
    profile: (personId) => profiles.get(personId),
    putProfile(row, keys) {
      remove(row.person_id)
      profiles.set(row.person_id, row)
      keysOf.set(row.person_id, keys)
      for (const key of keys) persons.set(key, row.person_id)
      while (profiles.size > maxProfiles) {
        const oldest = profiles.keys().next().value
        if (oldest === undefined) break
        remove(oldest)
        complete = false
      }
    },
    remove,
    scores: (personId) => scores.get(personId) ?? (scoresComplete ? null : undefined),
    putScores(personId, row) {
      if (scores.size >= maxProfiles) {
        scores = new Map()
        scoresComplete = false
      }
      scores.set(personId, row)
    },
    clearScores() {
      scores = new Map()
      scoresComplete = false
    },
    setAllScores(rows) {
      scores = new Map(rows.slice(0, maxProfiles).map((r) => [r.person_id, r]))
      scoresComplete = rows.length <= maxProfiles
    },
    get complete() {
      return complete
    },
    set complete(value: boolean) {
      complete = value && profiles.size <= maxProfiles
    },
    recommendations(productId) {
      if (!recommendations) return undefined
      return recommendations.get(productId) ?? null
    },
    setRecommendations(rows) {
      recommendations = new Map(rows.map((r) => [r.product_id, r]))
    },
    get size() {
      return profiles.size
    },
  }
}
