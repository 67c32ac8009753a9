import { fromKey, type IdKey } from './identifiers.js'
import type { IdState } from './identity-graph-types.js'
import type { PersonState } from './graph-person.js'

/**
 * The identity graph's state (identity-graph.ts): identifier → person, persons with their
 * members, the flattened overrides of persons merged away and who points at each survivor, and
 * the last source offset applied per source partition. The mutations here keep the maps
 * consistent with one another.
 */
export interface GraphState {
  readonly ids: Map<IdKey, IdState>
  readonly persons: Map<string, PersonState>
  readonly overrides: Map<string, { person: string; version: number }>
  /** survivor → the persons overridden to it (the inverse of `overrides`). */
  readonly overriddenBy: Map<string, Set<string>>
  /** `topic:partition` → the last offset applied. */
  readonly sources: Map<string, number>
}

export function emptyGraphState(): GraphState {
  return {
    ids: new Map(),
    persons: new Map(),
    overrides: new Map(),
    overriddenBy: new Map(),
    sources: new Map(),
  }
}

/** An independent copy: nothing mutated in one is seen in the other. */
export function cloneGraphState(s: GraphState): GraphState {
  const ids = new Map<IdKey, IdState>()
  for (const [k, v] of s.ids) ids.set(k, { ...v })
  const persons = new Map<string, PersonState>()
  for (const [k, p] of s.persons)
    persons.set(k, { id: p.id, members: new Set(p.members), counts: new Map(p.counts) })
  const overriddenBy = new Map<string, Set<string>>()
  for (const [k, set] of s.overriddenBy) overriddenBy.set(k, new Set(set))
  return { ids, persons, overrides: new Map(s.overrides), overriddenBy, sources: new Map(s.sources) }
}

/** The person, created empty when it does not exist. */
export function personState(s: GraphState, id: string): PersonState {
  let p = s.persons.get(id)
  if (!p) {
    p = { id, members: new Set(), counts: new Map() }
    s.persons.set(id, p)
  }
  return p
}

/** Takes `key` out of `p`; a person left with no member is deleted. */
export function removeMember(s: GraphState, p: PersonState, key: IdKey): void {
  if (!p.members.delete(key)) return
  const type = fromKey(key).type
  const n = (p.counts.get(type) ?? 1) - 1
  if (n > 0) p.counts.set(type, n)
  else p.counts.delete(type)
  if (p.members.size === 0) s.persons.delete(p.id)
}

/** old → person, keeping `overriddenBy` its inverse. */
export function setOverride(s: GraphState, oldPersonId: string, personId: string, version: number): void {
  const previous = s.overrides.get(oldPersonId)
  if (previous) s.overriddenBy.get(previous.person)?.delete(oldPersonId)
  s.overrides.set(oldPersonId, { person: personId, version })
  let set = s.overriddenBy.get(personId)
  if (!set) s.overriddenBy.set(personId, (set = new Set()))
  set.add(oldPersonId)
}
