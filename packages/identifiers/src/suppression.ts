/**
 * The suppression list: the identifiers of erased people, kept only as hashes, against which the
 * collector and identity check every event so that late and future events of an erased person
 * are never stored (docs/privacy.md).
 *
 * - An identifier's stored form is the one identity keeps: emails and phones normalised and
 *   SHA-256-hashed (pii.ts), other values trimmed.
 * - Its suppression key is SHA-256 over a domain tag, the type and the stored form. The tag keeps
 *   the key from ever equalling a person id (`sha256(type \0 value)`, 32 hex) or an email hash.
 * - The list travels on the compacted topic `privacy.suppressions`: key = suppression key, value =
 *   JSON `{ idType, requestId, suppressedAt }`; an empty value (a tombstone) lifts a suppression.
 *
 * Node only (node:crypto): import it through `@sillage/identifiers`.
 */
import { LOYALTY_CARD_KEY, piiRoots, visitPiiFields, type PiiVisitor } from './pii-fields.js'
import { hashPiiIdentifier, normalisePhone, sha256Hex, SHA256_HEX, type PiiKind } from './pii.js'

export interface Identifier {
  readonly type: string
  /** The stored form: hashed for email and phone. */
  readonly value: string
}

/** Identifier types with a normalised, hashed stored form. */
const HASHED_TYPES = new Set(['email', 'phone'])

const DOMAIN = 'sillage.suppression\0'

export const suppressionKey = (id: Identifier): string => sha256Hex(`${DOMAIN}${id.type}\0${id.value}`)

/**
 * A raw value to its stored form: email and phone normalised and hashed (a digest is kept as
 * is), anything else trimmed. Undefined when nothing usable is left.
 */
export function storedIdentifier(
  type: string,
  raw: unknown,
  phoneCountryCode?: string,
): Identifier | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined
  const text = String(raw).trim()
  if (text === '') return undefined
  if (HASHED_TYPES.has(type)) {
    const value = hashPiiIdentifier(type as 'email' | 'phone', text, phoneCountryCode)
    return value === undefined ? undefined : { type, value }
  }
  return { type, value: text }
}

type Dict = Record<string, unknown>
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The parts of an event (raw, validated or enriched) that carry identifiers. */
export interface IdentifiedEvent {
  type?: unknown
  userId?: unknown
  anonymousId?: unknown
  previousId?: unknown
  traits?: unknown
  properties?: unknown
  context?: unknown
}

export type { PiiVisitor }

/**
 * Where else an event holds emails and phones than the default keys: the collector's per-source
 * scrub paths (`properties.products.*.buyer_email`). Calls `visit` for each one.
 */
export type ExtraPiiFields = (event: IdentifiedEvent, visit: PiiVisitor) => void

const OTHER_KIND = { email: 'phone', phone: 'email' } as const

/**
 * The stored forms an email or phone found in an event may have been given, by identity or by the
 * scrubber (whose fallback for an invalid value is the hash of its text):
 * - a SHA-256 digest is taken as is, as an email and as a phone (the key does not say which);
 * - a value invalid for its key's kind but valid for the other one (`phone: "jane@example.com"`)
 *   is that other kind;
 * - a phone without `+` (always so for a JSON number, which cannot carry `+` or a trunk `0`) is
 *   also tried as `+<digits>` and, with a calling code, `+<code><digits>`.
 */
export function piiStoredForms(kind: PiiKind, raw: string | number, phoneCountryCode?: string): Identifier[] {
  const text = String(raw).trim()
  if (text === '') return []
  if (SHA256_HEX.test(text)) {
    const value = text.toLowerCase()
    return [
      { type: 'email', value },
      { type: 'phone', value },
    ]
  }
  const own = formsOf(kind, text, phoneCountryCode)
  return own.length > 0 ? own : formsOf(OTHER_KIND[kind], text, phoneCountryCode)
}

function formsOf(kind: PiiKind, text: string, phoneCountryCode: string | undefined): Identifier[] {
  if (kind === 'email') {
    const value = hashPiiIdentifier('email', text)
    return value === undefined ? [] : [{ type: 'email', value }]
  }
  const phone = normalisePhone(text, phoneCountryCode)
  if (phone === undefined) return []
  const out: Identifier[] = [{ type: 'phone', value: sha256Hex(phone) }]
  if (!phone.startsWith('+')) {
    out.push({ type: 'phone', value: sha256Hex(`+${phone}`) })
    if (phoneCountryCode && phoneCountryCode.length + phone.length <= 15)
      out.push({ type: 'phone', value: sha256Hex(`+${phoneCountryCode}${phone}`) })
  }
  return out
}

/** Read at the top of traits, context.traits and properties (docs/identity.md). */
const TOP_LEVEL_TYPES: ReadonlyMap<string, string> = new Map([[LOYALTY_CARD_KEY, 'loyalty_card']])

/**
 * Every identifier an event carries, in stored form, wherever identity or the collector's scrubber
 * finds one (docs/identity.md, docs/privacy.md): userId; anonymousId; an alias's previousId as a
 * user id and as an anonymous id (Segment's previousId is either); emails and phones at any depth
 * of properties, traits and context.traits under the scrubber's key matching (piiStoredForms);
 * a loyalty card at the top of those roots; context.device.id; context.externalIds; and the
 * emails and phones `extra` finds (same stored forms). Deduplicated. Pure.
 */
export function eventIdentifiers(
  event: IdentifiedEvent,
  phoneCountryCode?: string,
  extra?: ExtraPiiFields,
): Identifier[] {
  const out: Identifier[] = []
  const seen = new Set<string>()
  const push = (id: Identifier) => {
    const k = `${id.type}\0${id.value}`
    if (!seen.has(k)) {
      seen.add(k)
      out.push(id)
    }
  }
  // An email or phone repeated in an event (each product's buyer_email) is hashed once.
  const hashed = new Set<string>()
  const add = (type: string, raw: unknown) => {
    if (HASHED_TYPES.has(type)) {
      if (typeof raw !== 'string' && typeof raw !== 'number') return
      const k = `${type}\0${raw}`
      if (hashed.has(k)) return
      hashed.add(k)
      for (const id of piiStoredForms(type as PiiKind, raw, phoneCountryCode)) push(id)
      return
    }
    const id = storedIdentifier(type, raw, phoneCountryCode)
    if (id) push(id)
  }
  add('user_id', event.userId)
  add('anonymous_id', event.anonymousId)
  if (event.type === 'alias') {
    add('user_id', event.previousId)
    add('anonymous_id', event.previousId)
  }
  const top = (canonical: string, raw: unknown) => {
    const type = TOP_LEVEL_TYPES.get(canonical)
    if (type !== undefined) add(type, raw)
  }
  for (const root of piiRoots(event)) visitPiiFields(root, add, top)
  if (extra) extra(event, add)
  const context = isDict(event.context) ? event.context : {}
  if (isDict(context['device'])) add('device_id', context['device']['id'])
  const externalIds = context['externalIds']
  if (Array.isArray(externalIds)) {
    for (const ext of externalIds) {
      if (!isDict(ext) || typeof ext['type'] !== 'string') continue
      const type = ext['type']
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9_]/g, '_')
      if (type !== '') add(type, ext['id'])
    }
  }
  return out
}

export interface SuppressionList {
  readonly size: number
  has(key: string): boolean
  add(key: string): void
  delete(key: string): void
  /**
   * The first identifier of `event` on the list, if any, `extra`'s emails and phones included;
   * free while the list is empty.
   */
  match(event: IdentifiedEvent, extra?: ExtraPiiFields): Identifier | undefined
}

/**
 * An in-memory set of suppression keys, filled from `privacy.suppressions` (applySuppressionRecord).
 * `phoneCountryCode` must be identity's (SILLAGE_IDENTITY_RULES.phoneCountryCode) for national phone
 * numbers to match; international ones match regardless.
 */
export function createSuppressionList(options: { phoneCountryCode?: string } = {}): SuppressionList {
  const keys = new Set<string>()
  return {
    get size() {
      return keys.size
    },
    has: (key) => keys.has(key),
    add: (key) => void keys.add(key),
    delete: (key) => void keys.delete(key),
    match(event, extra) {
      if (keys.size === 0) return undefined
      for (const id of eventIdentifiers(event, options.phoneCountryCode, extra)) {
        if (keys.has(suppressionKey(id))) return id
      }
      return undefined
    },
  }
}

/** One record of `privacy.suppressions`: a value adds its key, a tombstone (empty value) lifts it. */
export function applySuppressionRecord(list: SuppressionList, key: string | null, value: Uint8Array): void {
  if (key === null || key === '') return
  if (value.length === 0) list.delete(key)
  else list.add(key)
}

/** The value of a `privacy.suppressions` record. */
export interface SuppressionRecord {
  idType: string
  requestId: string
  suppressedAt: string
}
