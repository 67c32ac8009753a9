import {
  blockedForm,
  CALLING_CODE,
  DEFAULT_BLOCKED_VALUES,
  storedIdentifier,
  ZEROES_AND_DASHES,
  type Identifier,
} from '@sillage/identifiers'

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

/** Identity's default blocked values (`null`, `n/a`, `guest`, the nil UUID…), in their compared form. */
export const DEFAULT_BLOCKED: ReadonlySet<string> = new Set(DEFAULT_BLOCKED_VALUES)

/**
 * A looked-up value in the form identity stores it (email and phone normalised and SHA-256-hashed
 * by identity's own function, a digest taken as is; others trimmed), and its index key. A value
 * identity blocks (`blocked`, compared as identity compares them, and zeroes and dashes only) is
 * never an identifier: undefined, as for an invalid email. The profile rows may still name one
 * that events carried; no lookup reaches it, since many people send the same placeholder.
 */
export function lookupKey(
  type: LookupType,
  raw: string,
  phoneCountryCode?: string,
  blocked: ReadonlySet<string> = DEFAULT_BLOCKED,
): { id: Identifier; key: string } | undefined {
  const form = blockedForm(raw)
  if (blocked.has(form) || ZEROES_AND_DASHES.test(form)) return undefined
  const id = storedIdentifier(type, raw, phoneCountryCode)
  return id === undefined ? undefined : { id, key: `${id.type}:${id.value}` }
}

/**
 * Whether a URL's query holds a `value` parameter whose percent-escapes do not decode (`%ZZ`,
 * `%C0%AF`, a truncated `%2`). The query parser keeps such a value as its raw text, which would
 * then be looked up as is; the path form refuses the same value (400), and so must the query form.
 */
export function hasMalformedQueryValue(url: string): boolean {
  const mark = url.indexOf('?')
  if (mark === -1) return false
  return url
    .slice(mark + 1)
    .split('&')
    .some((pair) => {
      const eq = pair.indexOf('=')
      if (eq === -1 || !decodes(pair.slice(0, eq))) return false
      return (
        decodeURIComponent(pair.slice(0, eq).replaceAll('+', ' ')) === 'value' && !decodes(pair.slice(eq + 1))
      )
    })
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text.replaceAll('+', ' '))
    return true
  } catch {
    return false
  }
}
