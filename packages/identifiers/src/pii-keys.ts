/**
 * The keys that name PII in event properties and traits, and the form keys are compared in: one
 * list for every reader. The collector's default scrub rules apply it at any depth under
 * `properties`, `traits` and `context.traits` (services/collector/src/domain/scrub.ts); activation applies it at
 * any depth of what leaves for a destination (docs/activation.md). Pure.
 */

/** Hashed, so that they stay usable as identifiers (identity reads emails and phones). */
export const DEFAULT_HASH_KEYS = ['email', 'phone'] as const

/** Dropped wherever they appear under the default roots, at any depth. */
export const DEFAULT_DROP_KEYS = [
  'first_name',
  'last_name',
  'address',
  'shipping_address',
  'billing_address',
  'street',
  'birthday',
  'password',
  'credit_card',
  'card_number',
  'cvv',
  'iban',
  'ssn',
] as const

/**
 * `name` is a person's name in traits, but a product's in e-commerce properties (Product Viewed):
 * dropped from traits only.
 */
export const DEFAULT_TRAIT_ONLY_DROP_KEYS = ['name'] as const

/** The form keys are compared in: lower case, without `_`, `-` and spaces (`firstName` = `first_name`). */
export const canonicalKey = (key: string): string => key.toLowerCase().replace(/[_\-\s]/g, '')

/**
 * canonicalKey for the keys of events, which repeat from one event to the next (the collector's
 * scrubber and the suppression check call it per key): a memo bounded in entries and key length
 * (≤ 10,000 keys of ≤ 64 characters, cleared when full), so random or huge keys from a hostile
 * client cost a recomputation, never memory.
 */
const canonicalMemo = new Map<string, string>()
export function canonicalEventKey(key: string): string {
  if (key.length > 64) return canonicalKey(key)
  let canonical = canonicalMemo.get(key)
  if (canonical === undefined) {
    canonical = canonicalKey(key)
    if (canonicalMemo.size >= 10_000) canonicalMemo.clear()
    canonicalMemo.set(key, canonical)
  }
  return canonical
}
