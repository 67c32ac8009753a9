import type { EnrichedEvent } from '@sillage/schemas'
import { ANONYMOUS_ID, TYPE_NAME, USER_ID, type IdentityRules } from '@sillage/identifiers'
import {
  blockedForm,
  compareRank,
  idKey,
  normaliseIdentifier,
  rankOf,
  type IdKey,
  type Identifier,
  type Rank,
} from './identifiers.js'

/**
 * Where identifiers come from (docs/identity.md):
 *
 * | type | fields |
 * |---|---|
 * | user_id | `userId` |
 * | anonymous_id | `anonymousId`; `previousId` of an alias |
 * | email, phone | `traits.email` / `traits.phone` (identify), `context.traits.*` (any call) |
 * | loyalty_card | `traits.loyalty_card` (identify), `context.traits.loyalty_card`, `properties.loyalty_card` (track); camelCase too |
 * | device_id | `context.device.id` |
 * | any | `context.externalIds: [{ type, id }]` (type lower-cased, other characters become `_`) |
 */

/** The codes of identity_warnings (docs/identity.md). */
export const WARNING_CODES = [
  'blocked_value',
  'invalid_email',
  'invalid_phone',
  'invalid_identifier_type',
  'self_alias',
  'too_many_identifiers',
  'no_identifier',
] as const
export type WarningCode = (typeof WARNING_CODES)[number]

export interface IdentityWarning {
  code: WarningCode
  idType: string
  /** Never a raw email or phone: the deny-listed form for blocked values, else ''. */
  detail: string
}

export interface RankedId {
  readonly id: Identifier
  readonly key: IdKey
  readonly rank: Rank
}

export interface ExtractedIdentity {
  /** Valid identifiers, deduplicated, highest rank first. */
  ids: RankedId[]
  /** The event's own userId, when valid. */
  user: RankedId | undefined
  /** The event's own anonymousId, when valid: the key of its partition. */
  anonymous: RankedId | undefined
  warnings: IdentityWarning[]
}

export const MAX_IDENTIFIERS_PER_EVENT = 32

type Dict = Record<string, unknown>
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Identifiers of one event, normalised and hashed, with a warning for each value refused. Pure. */
export function extractIdentifiers(rules: IdentityRules, event: EnrichedEvent): ExtractedIdentity {
  const found = new Map<IdKey, RankedId>()
  const warnings: IdentityWarning[] = []
  let user: RankedId | undefined
  let anonymous: RankedId | undefined

  const add = (type: string, raw: unknown): RankedId | undefined => {
    if (raw === undefined || raw === null) return undefined
    if (typeof raw !== 'string' && typeof raw !== 'number') {
      warnings.push({ code: 'blocked_value', idType: type, detail: typeof raw })
      return undefined
    }
    const text = String(raw)
    const r = normaliseIdentifier(rules, type, text)
    if (!r.ok) {
      warnings.push({
        code: r.code,
        idType: type,
        detail: r.code === 'blocked_value' ? blockedForm(text) : '',
      })
      return undefined
    }
    const key = idKey(r.id)
    let ranked = found.get(key)
    if (!ranked) {
      ranked = { id: r.id, key, rank: rankOf(rules, r.id) }
      found.set(key, ranked)
    }
    return ranked
  }

  user = add(USER_ID, event.userId)
  anonymous = add(ANONYMOUS_ID, event.anonymousId)
  if (event.type === 'alias') {
    if (event.previousId === event.userId) {
      warnings.push({ code: 'self_alias', idType: USER_ID, detail: '' })
    } else {
      add(ANONYMOUS_ID, event.previousId)
    }
  }

  const ctx: Dict = isDict(event.context) ? event.context : {}
  const traitSources: Dict[] = []
  if (event.type === 'identify' && isDict(event.traits)) traitSources.push(event.traits)
  if (isDict(ctx['traits'])) traitSources.push(ctx['traits'])
  for (const traits of traitSources) {
    add('email', traits['email'])
    add('phone', traits['phone'])
    add('loyalty_card', traits['loyalty_card'] ?? traits['loyaltyCard'])
  }
  if (event.type === 'track' && isDict(event.properties)) {
    add('loyalty_card', event.properties['loyalty_card'] ?? event.properties['loyaltyCard'])
  }
  if (isDict(ctx['device'])) add('device_id', ctx['device']['id'])
  const externalIds = ctx['externalIds']
  if (Array.isArray(externalIds)) {
    for (const ext of externalIds) {
      if (!isDict(ext)) continue
      const type = externalType(ext['type'])
      if (type === undefined) {
        warnings.push({ code: 'invalid_identifier_type', idType: '', detail: '' })
        continue
      }
      add(type, ext['id'])
    }
  }

  let ids = [...found.values()].sort((a, b) => compareRank(a.rank, b.rank))
  if (ids.length > MAX_IDENTIFIERS_PER_EVENT) {
    warnings.push({ code: 'too_many_identifiers', idType: '', detail: String(ids.length) })
    ids = ids.slice(0, MAX_IDENTIFIERS_PER_EVENT)
    const kept = new Set(ids)
    if (user && !kept.has(user)) user = undefined
    if (anonymous && !kept.has(anonymous)) anonymous = undefined
  }
  if (ids.length === 0) warnings.push({ code: 'no_identifier', idType: '', detail: '' })
  return { ids, user, anonymous, warnings }
}

/** `ios.idfa` → `ios_idfa`; undefined when nothing usable is left. */
function externalType(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined
  const t = raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
  return TYPE_NAME.test(t) ? t : undefined
}

/** The login pair of the shared-device rule: the event's own anonymousId and userId, both valid. */
export const isLogin = (x: ExtractedIdentity): boolean => x.user !== undefined && x.anonymous !== undefined
