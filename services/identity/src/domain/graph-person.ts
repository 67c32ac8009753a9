import { ruleOf, type IdentityRules } from '@sillage/identifiers'
import { fromKey, type IdKey, type Identifier, type Rank } from './identifiers.js'
import type { PersonView } from './merge-rules.js'

/** A person in the identity graph: its identifiers, and how many of each type it holds. */
export interface PersonState {
  readonly id: string
  readonly members: Set<IdKey>
  readonly counts: Map<string, number>
}

/** The highest priority among the identifier types the person holds (its anchor's rank). */
export function maxPriority(rules: IdentityRules, p: PersonState): number {
  let best = -Infinity
  for (const [type, n] of p.counts) if (n > 0) best = Math.max(best, ruleOf(rules, type).priority)
  return best
}

/** An existing person as the merge rules see it. */
export function personView(rules: IdentityRules, p: PersonState): PersonView {
  return {
    personId: p.id,
    anchor: { priority: maxPriority(rules, p), hash: p.id },
    counts: p.counts,
    fresh: false,
  }
}

/** An identifier seen for the first time: a singleton person named after its own rank. */
export function freshView(id: Identifier, rank: Rank): PersonView {
  return { personId: rank.hash, anchor: rank, counts: new Map([[id.type, 1]]), fresh: true }
}

export function addMember(p: PersonState, key: IdKey): void {
  if (p.members.has(key)) return
  p.members.add(key)
  const type = fromKey(key).type
  p.counts.set(type, (p.counts.get(type) ?? 0) + 1)
}
