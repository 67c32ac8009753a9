/**
 * The one definition of how emails and phone numbers are normalised and hashed, shared by the
 * collector (PII scrubbing), identity (identifiers) and the admin API (erasure, export): a value
 * hashed by one must equal the value hashed by the others, or a scrubbed email would no longer
 * join its person and an erasure would miss it.
 *
 * Node only (node:crypto): import it through `@sillage/identifiers`, never from the
 * browser SDK. Pure otherwise: no I/O.
 */
import { createHash } from 'node:crypto'

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex')

/** A SHA-256 digest in hex: taken as an already-hashed email or phone. */
export const SHA256_HEX = /^[0-9a-f]{64}$/i

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** Lower-cased and trimmed; undefined when it is not an address. No provider-specific rewriting. */
export function normaliseEmail(raw: string): string | undefined {
  const s = raw.trim().toLowerCase()
  return EMAIL.test(s) ? s : undefined
}

/**
 * E.164-ish: separators dropped, `00` becomes `+`, and with a configured calling code a national
 * number's trunk `0` becomes `+<code>`. 6 to 15 digits; undefined otherwise.
 */
export function normalisePhone(raw: string, countryCode?: string): string | undefined {
  const s = raw.trim()
  if (!/^[+\d\s().\-/]+$/.test(s)) return undefined
  let digits = s.replace(/\D/g, '')
  let international = s.startsWith('+')
  if (!international && digits.startsWith('00')) {
    digits = digits.slice(2)
    international = true
  } else if (!international && countryCode && digits.startsWith('0')) {
    digits = countryCode + digits.slice(1)
    international = true
  }
  if (digits.length < 6 || digits.length > 15) return undefined
  return international ? `+${digits}` : digits
}

export type PiiKind = 'email' | 'phone'

/**
 * The stored form of an email or phone: SHA-256 of its normalised form, or the value itself when it
 * already is a SHA-256 hex digest (lower-cased). Undefined when it is neither valid nor a digest.
 */
export function hashPiiIdentifier(kind: PiiKind, raw: string, countryCode?: string): string | undefined {
  const trimmed = raw.trim()
  if (SHA256_HEX.test(trimmed)) return trimmed.toLowerCase()
  const normal = kind === 'email' ? normaliseEmail(trimmed) : normalisePhone(trimmed, countryCode)
  return normal === undefined ? undefined : sha256Hex(normal)
}

/**
 * What is kept in place of an email or phone: its identifier hash when valid, else the hash of the
 * trimmed, lower-cased text. Never the raw value.
 */
export function hashPii(kind: PiiKind, raw: string, countryCode?: string): string {
  return hashPiiIdentifier(kind, raw, countryCode) ?? sha256Hex(raw.trim().toLowerCase())
}

/** Any other value that must not be kept in clear: SHA-256 of its trimmed text (digests kept). */
export function hashValue(raw: string): string {
  const trimmed = raw.trim()
  return SHA256_HEX.test(trimmed) ? trimmed.toLowerCase() : sha256Hex(trimmed)
}
