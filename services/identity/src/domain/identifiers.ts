import {
  personIdFor,
  ruleOf,
  type IdentityRules,
  type Identifier as StoredIdentifier,
} from '@sillage/identifiers'

/** One identifier, as stored: `value` is normalised, and hashed for email and phone (@sillage/identifiers). */
export type Identifier = StoredIdentifier

/** `type:value`; types never contain ':' (TYPE_NAME), so the key is unambiguous. */
export type IdKey = string

export const idKey = (id: Identifier): IdKey => `${id.type}:${id.value}`

export function fromKey(key: IdKey): Identifier {
  const i = key.indexOf(':')
  return { type: key.slice(0, i), value: key.slice(i + 1) }
}

/** The person an identifier anchors on its own (its singleton): sha256(type \0 value), 32 hex. */
export const selfPerson = (id: Identifier): string => personIdFor(id.type, id.value)

/**
 * The order of identifiers: higher priority first, then the smaller self-person hash. The anchor
 * of a person is its first identifier in this order, and its person_id is the anchor's self
 * person, so the id of a person depends only on which identifiers it holds.
 */
export interface Rank {
  readonly priority: number
  readonly hash: string
}

export const rankOf = (rules: IdentityRules, id: Identifier): Rank => ({
  priority: ruleOf(rules, id.type).priority,
  hash: selfPerson(id),
})

/** Negative when `a` outranks `b`. */
export function compareRank(a: Rank, b: Rank): number {
  if (a.priority !== b.priority) return b.priority - a.priority
  return a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0
}

// Normalisation and hashing are @sillage/identifiers' (one definition for every service).
export {
  blockedForm,
  isBlocked,
  normaliseIdentifier,
  normaliseEmail,
  normalisePhone,
  sha256Hex,
  type NormaliseResult,
} from '@sillage/identifiers'
