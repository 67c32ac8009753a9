import type { ProfileRow, ProfileText, RecommendationRow, ScoreRow } from './rows.js'

/**
 * The in-process copy of the profile store that lookups read first (docs/profiles.md#storage):
 * the refresher puts every profile it rewrites here, with its identifier keys; the scorer drops
 * the scores it replaced and reloads the recommendations. A miss falls through to the warehouse.
 * Bounded: the oldest profiles go first. Pure (no I/O).
 *
 * Each profile is held as its JSON text and parsed when a lookup reads it: one string per
 * profile instead of a tree of arrays keeps the garbage collector's pauses short on the thread
 * that answers lookups (a refresh run replaces thousands of profiles a second under load).
 */
export interface ProfileCache {
  personOf(idKey: string): string | undefined
  /** The profile, parsed from its text (a new object on each call). */
  profile(personId: string): ProfileRow | undefined
  /** A profile and every key that names it (identifiers, its person id, merged person ids). */
  putProfile(profile: ProfileText): void
  /** A person erased or merged away: its profile, its keys and its scores go. */
  remove(personId: string): void
  scores(personId: string): ScoreRow | null | undefined
  putScores(personId: string, row: ScoreRow | null): void
  clearScores(): void
  recommendations(productId: string): RecommendationRow | null | undefined
  setRecommendations(rows: readonly RecommendationRow[]): void
  /** Replaces every score (after a scoring run); lookups then never miss on scores. */
  setAllScores(rows: readonly ScoreRow[]): void
  /**
   * Set when the copy holds every profile of the store and every merged-away person id (the first
   * refresh read all of them back and nothing was evicted since): a miss is then an answer (not
   * found), not a warehouse query.
   */
  complete: boolean
  readonly size: number
}

export function createProfileCache(maxProfiles: number): ProfileCache {
  const profiles = new Map<string, string>()
  const keysOf = new Map<string, readonly string[]>()
  const persons = new Map<string, string>()
  let scores = new Map<string, ScoreRow | null>()
  let recommendations: Map<string, RecommendationRow> | undefined
  let scoresComplete = false
  let complete = false
  /** Drops a profile and its keys (its scores stay: a rewrite or an eviction keeps them). */
  const forget = (personId: string) => {
    profiles.delete(personId)
    for (const key of keysOf.get(personId) ?? []) if (persons.get(key) === personId) persons.delete(key)
    keysOf.delete(personId)
  }
  const sameKeys = (a: readonly string[] | undefined, b: readonly string[]) =>
    a !== undefined && a.length === b.length && a.every((key, i) => key === b[i])
  return {
    personOf: (key) => persons.get(key),
    profile(personId) {
      const text = profiles.get(personId)
      return text === undefined ? undefined : (JSON.parse(text) as ProfileRow)
    },
    putProfile({ person_id, keys, text }) {
      // Most rewrites keep their keys: then only the text changes (and moves to the newest end).
      if (sameKeys(keysOf.get(person_id), keys)) {
        profiles.delete(person_id)
        profiles.set(person_id, text)
        return
      }
      forget(person_id)
      profiles.set(person_id, text)
      keysOf.set(person_id, keys)
      for (const key of keys) persons.set(key, person_id)
      while (profiles.size > maxProfiles) {
        const oldest = profiles.keys().next().value
        if (oldest === undefined) break
        forget(oldest)
        complete = false
      }
    },
    remove(personId) {
      forget(personId)
      scores.delete(personId)
    },
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
