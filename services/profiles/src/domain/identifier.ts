import { CALLING_CODE, storedIdentifier, type Identifier } from '@sillage/identifiers'

/** The identifier types a profile can be looked up by. */
export const LOOKUP_TYPES = [
  'user_id',
  'anonymous_id',
  'email',
  'phone',
  'loyalty_card',
  'person_id',
] as const
export type LookupType = (typeof LOOKUP_TYPES)[number]

export const isLookupType = (t: string): t is LookupType => (LOOKUP_TYPES as readonly string[]).includes(t)

/**
 * A calling code as identity's `phoneCountryCode` takes it (SILLAGE_IDENTITY_RULES, the same
 * pattern): digits, e.g. "33". A lookup's `phoneCountryCode` parameter must be one.
 */
export const isCallingCode = (c: unknown): c is string => typeof c === 'string' && CALLING_CODE.test(c)

/**
 * A looked-up value in the form identity stores it (email and phone normalised and SHA-256-hashed
 * by identity's own function, a digest taken as is; others trimmed), and its index key.
 */
export function lookupKey(
  type: LookupType,
  raw: string,
  phoneCountryCode?: string,
): { id: Identifier; key: string } | undefined {
  const id = storedIdentifier(type, raw, phoneCountryCode)
  return id === undefined ? undefined : { id, key: `${id.type}:${id.value}` }
}
