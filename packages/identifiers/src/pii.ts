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

/**
 * Invisible format characters (Unicode Cf: zero-width space, word joiner, BOM, soft hyphen, bidi
 * marks) that copy-paste leaves in an address or number. ZWNJ and ZWJ are kept: they are meaningful
 * in some scripts (Persian, Indic), and IDNA2008 allows them in domain labels.
 */
const INVISIBLE = /(?![\u200c\u200d])\p{Cf}/gu

const dropInvisible = (s: string): string => s.replace(INVISIBLE, '')

/**
 * Invisible format characters dropped, trimmed, lower-cased, then Unicode NFC (a precomposed `é`
 * and `e` + U+0301 are one address, as RFC 6532 and IDNA2008 expect; not NFKC, which would rewrite
 * characters that differ). Undefined when it is not an address. No provider-specific rewriting.
 */
export function normaliseEmail(raw: string): string | undefined {
  const s = dropInvisible(raw).trim().toLowerCase().normalize('NFC')
  return EMAIL.test(s) ? s : undefined
}

/** `+33 (0)6…`, `0033 (0)6…`: the trunk `(0)` written just after the calling code. */
const TRUNK_AFTER_CALLING_CODE = /^(\+|00)[\s.\-/]*(\d{1,3})[\s.\-/]*\(\s*0\s*\)/

/**
 * E.164-ish. The input is NFKC-normalised first (fullwidth `＋３３…` typed by Asian IMEs becomes
 * `+33…`: only digits and `+` matter), invisible format characters are dropped, and a leading
 * `tel:` (RFC 3966 link) is removed. Then separators are dropped, a `(0)` right after the calling
 * code is dropped, `00` becomes `+`, and with a configured calling code a national number's trunk
 * `0` becomes `+<code>`. 6 to 15 digits; undefined otherwise, and for a `tel:` parameter such as
 * `;ext=` (an extension is not one person's number, and E.164 has none).
 */
export function normalisePhone(raw: string, countryCode?: string): string | undefined {
  let s = dropInvisible(raw.normalize('NFKC')).trim()
  if (/^tel:/i.test(s)) s = s.slice(4).trim()
  if (!/^[+\d\s().\-/]+$/.test(s)) return undefined
  s = s.replace(TRUNK_AFTER_CALLING_CODE, '$1$2')
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
  const trimmed = dropInvisible(raw).trim()
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
