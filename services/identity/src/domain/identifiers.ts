import { hashPii as hashPiiShared, hashPiiIdentifier, type PiiKind } from '@sillage/identifiers'
import type { IdentityRules } from './identity-rules.js'
import { ruleOf } from './identity-rules.js'
import { personIdFor } from './person-id.js'

/** One identifier, as stored: `value` is normalised, and hashed for email and phone. */
export interface Identifier {
  readonly type: string
  readonly value: string
}

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

/** Trimmed, lower-cased and unquoted: the form compared with the deny-list. */
export function blockedForm(raw: string): string {
  let s = raw.trim().toLowerCase()
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) s = s.slice(1, -1).trim()
  return s
}

export const isBlocked = (rules: IdentityRules, raw: string): boolean =>
  rules.blockedValues.has(blockedForm(raw))

export type NormaliseResult =
  | { ok: true; id: Identifier }
  | { ok: false; code: 'blocked_value' | 'invalid_email' | 'invalid_phone' | 'invalid_identifier_type' }

/**
 * Raw value to stored identifier: the deny-list, then per-type normalisation, then SHA-256 for
 * email and phone (a value that already is a SHA-256 hex digest is taken as pre-hashed). Email and
 * phone go through `@sillage/identifiers`, the one definition the collector's scrubbing and the
 * privacy API share, so a hash made by any of them joins the same person.
 */
export function normaliseIdentifier(rules: IdentityRules, type: string, raw: string): NormaliseResult {
  if (isBlocked(rules, raw)) return { ok: false, code: 'blocked_value' }
  if (type === 'email' || type === 'phone') {
    const value = hashPiiIdentifier(type, raw, rules.phoneCountryCode)
    if (value === undefined) return { ok: false, code: type === 'email' ? 'invalid_email' : 'invalid_phone' }
    return { ok: true, id: { type, value } }
  }
  return { ok: true, id: { type, value: raw.trim() } }
}

/** What is stored in place of an email or phone found in traits: its hash, valid or not. */
export const hashPii = (rules: IdentityRules, type: PiiKind, raw: string): string =>
  hashPiiShared(type, raw, rules.phoneCountryCode)

export { normaliseEmail, normalisePhone, sha256Hex } from '@sillage/identifiers'
