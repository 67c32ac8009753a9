import { ZEROES_AND_DASHES, type IdentityRules } from './identity-rules.js'
import { hashPiiIdentifier } from './pii.js'
import type { Identifier } from './suppression.js'

/** Trimmed, lower-cased and unquoted: the form compared with the deny-list. */
export function blockedForm(raw: string): string {
  let s = raw.trim().toLowerCase()
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) s = s.slice(1, -1).trim()
  return s
}

/** In the rules' blocked values (DEFAULT_BLOCKED_VALUES and the configured ones), or only zeroes and dashes. */
export function isBlocked(rules: IdentityRules, raw: string): boolean {
  const form = blockedForm(raw)
  return rules.blockedValues.has(form) || ZEROES_AND_DASHES.test(form)
}

export type NormaliseResult =
  | { ok: true; id: Identifier }
  | { ok: false; code: 'blocked_value' | 'invalid_email' | 'invalid_phone' | 'invalid_identifier_type' }

/**
 * Raw value to stored identifier: the deny-list, then per-type normalisation, then SHA-256 for
 * email and phone (a value that already is a SHA-256 hex digest is taken as pre-hashed). Email and
 * phone go through pii.ts, the one definition the collector's scrubbing and the privacy API
 * share, so a hash made by any of them joins the same person.
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

/** An identifier's stored form, or undefined when it is never one (blocked values, invalid emails…). */
export type Normalise = (type: string, raw: string) => Identifier | undefined

/** normaliseIdentifier with these rules, as the admin API and profiles look identifiers up. */
export function identifierNormaliser(rules: IdentityRules): Normalise {
  return (type, raw) => {
    const r = normaliseIdentifier(rules, type, raw)
    return r.ok ? r.id : undefined
  }
}
