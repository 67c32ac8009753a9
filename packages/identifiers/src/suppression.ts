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
import { hashPiiIdentifier, sha256Hex } from './pii.js'

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

/**
 * Every identifier an event carries, in stored form, wherever identity looks for one
 * (docs/identity.md): userId, anonymousId, an alias's previousId, email / phone / loyalty card in
 * traits and context.traits, a loyalty card in properties, context.device.id and
 * context.externalIds. Pure.
 */
export function eventIdentifiers(event: IdentifiedEvent, phoneCountryCode?: string): Identifier[] {
  const out: Identifier[] = []
  const add = (type: string, raw: unknown) => {
    const id = storedIdentifier(type, raw, phoneCountryCode)
    if (id) out.push(id)
  }
  add('user_id', event.userId)
  add('anonymous_id', event.anonymousId)
  if (event.type === 'alias') add('anonymous_id', event.previousId)
  const context = isDict(event.context) ? event.context : {}
  for (const traits of [event.traits, context['traits']]) {
    if (!isDict(traits)) continue
    add('email', traits['email'])
    add('phone', traits['phone'])
    add('loyalty_card', traits['loyalty_card'] ?? traits['loyaltyCard'])
  }
  if (isDict(event.properties)) {
    add('loyalty_card', event.properties['loyalty_card'] ?? event.properties['loyaltyCard'])
  }
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
  /** The first identifier of `event` on the list, if any; free while the list is empty. */
  match(event: IdentifiedEvent): Identifier | undefined
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
    match(event) {
      if (keys.size === 0) return undefined
      for (const id of eventIdentifiers(event, options.phoneCountryCode)) {
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
