import type { Recommendation } from './recommend.js'
import { toIso, toMs, type ProfileRow, type ScoreRow } from './rows.js'

import {
  canonicalKey,
  DEFAULT_DROP_KEYS,
  DEFAULT_HASH_KEYS,
  DEFAULT_TRAIT_ONLY_DROP_KEYS,
} from '@sillage/identifiers'
import type { CartItem, NextOrder, Profile, ProfileWindows, StreamAttributes } from '@sillage/schemas'

/** The response of GET /v1/profiles/{type}/{value}: its schema is schemas/src/profile.ts (shared with the Node SDK). */
export type ProfileView = Profile
export type { CartItem, NextOrder, StreamAttributes }
export type Windows = ProfileWindows

const DAY = 86_400_000
const round2 = (x: number) => Math.round(x * 100) / 100
/** Identifier types identity stores as SHA-256 (schemas/src/pii.ts). */
const HASHED = new Set(['email', 'phone'])

/**
 * Trait keys never returned (docs/profiles.md#attributes): PII that identity keeps only as a hash
 * (email, phone, loyalty card: identifiers, returned hashed) or that the collector's default scrub
 * rules drop (names, addresses, birth dates, payment data: the shared lists of
 * `@sillage/identifiers`), with the other spellings a shop's traits use. Compared as the collector
 * compares keys (canonicalKey): ignoring case, `_`, `-` and spaces, so `phone_number` also covers
 * `phoneNumber`.
 */
export const PII_TRAITS: ReadonlySet<string> = new Set([
  ...DEFAULT_HASH_KEYS,
  ...DEFAULT_DROP_KEYS,
  ...DEFAULT_TRAIT_ONLY_DROP_KEYS,
  'email_address',
  'phone_number',
  'telephone',
  'mobile',
  'mobile_phone',
  'mobile_number',
  'cell_phone',
  'loyalty_card',
  'loyalty_card_number',
  'loyalty_number',
  'full_name',
  'birth_date',
  'date_of_birth',
  'dob',
])

const PII_CANONICAL: ReadonlySet<string> = new Set([...PII_TRAITS].map(canonicalKey))

/** Whether a trait key names PII, in any of its spellings (`phoneNumber`, `Date-Of-Birth`). */
export const isPiiTrait = (key: string): boolean => PII_CANONICAL.has(canonicalKey(key))

/** Counts of timestamps within the last 1, 7 and 30 days of `now`. */
export function windows(times: readonly string[], now: number): Windows {
  const ages = times.map((t) => now - toMs(t))
  const within = (days: number) => ages.filter((a) => a >= 0 && a < days * DAY).length
  return { '1d': within(1), '7d': within(7), '30d': within(30) }
}

/**
 * Products viewed in the last 30 days and not bought since their latest view, latest view first.
 */
export function viewedNotBought(row: Pick<ProfileRow, 'viewed' | 'bought'>, now: number) {
  const bought = new Map(row.bought.map(([p, t]) => [p, toMs(t)]))
  return row.viewed
    .map(([product_id, t]) => ({ product_id, at: toMs(t) }))
    .filter((v) => now - v.at < 30 * DAY && !((bought.get(v.product_id) ?? -Infinity) >= v.at))
    .sort((a, b) => b.at - a.at || (a.product_id < b.product_id ? -1 : 1))
    .map((v) => ({ product_id: v.product_id, last_viewed_at: new Date(v.at).toISOString() }))
}

/**
 * The next order's window: the mean gap between the person's orders, from 0.75 to 1.25 of it
 * after the last one. None before a second order (no rhythm to learn from).
 */
export function nextOrder(
  row: Pick<ProfileRow, 'orders' | 'first_order_at' | 'last_order_at'>,
  asOf: string,
): NextOrder {
  if (row.orders === 0 || !row.first_order_at || !row.last_order_at)
    return { as_of: asOf, window_start: null, window_end: null, reason: 'no_orders' }
  if (row.orders < 2) return { as_of: asOf, window_start: null, window_end: null, reason: 'single_order' }
  const last = toMs(row.last_order_at)
  const gap = (last - toMs(row.first_order_at)) / (row.orders - 1)
  return {
    as_of: asOf,
    window_start: new Date(Math.round(last + 0.75 * gap)).toISOString(),
    window_end: new Date(Math.round(last + 1.25 * gap)).toISOString(),
    reason: null,
  }
}

/** The stream attributes of a profile row as of `now` (windows are cut at read time). */
export function streamAttributes(row: ProfileRow, now: number): StreamAttributes {
  const items: CartItem[] = row.cart.map(([product_id, sku, name, category, price, quantity]) => ({
    product_id,
    sku,
    name,
    category,
    price,
    quantity,
  }))
  return {
    as_of: toIso(row.computed_at),
    first_seen: toIso(row.first_seen),
    last_seen: toIso(row.last_seen),
    sessions: windows(row.session_starts, now),
    page_views: windows(row.page_view_times, now),
    cart: {
      items,
      item_count: items.reduce((n, i) => n + i.quantity, 0),
      value: round2(items.reduce((v, i) => v + i.price * i.quantity, 0)),
      updated_at: row.cart_updated_at && items.length > 0 ? toIso(row.cart_updated_at) : null,
    },
    viewed_not_bought: viewedNotBought(row, now),
    orders: {
      count: row.orders,
      revenue: round2(row.revenue),
      average_basket: row.orders > 0 ? round2(row.revenue / row.orders) : null,
      first_order_at: row.first_order_at ? toIso(row.first_order_at) : null,
      last_order_at: row.last_order_at ? toIso(row.last_order_at) : null,
      last_order_id: row.orders > 0 ? row.last_order_id : null,
    },
  }
}

/**
 * A trait value without its PII keys, at any depth (`contact.email`, `addresses[].street`): the
 * collector's default rules scrub the top level of `traits` only, so a nested address or name
 * reaches the warehouse as sent. The one exception: `company.name`, the spec's company trait.
 */
function withoutPii(value: unknown, parent = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutPii(v, parent))
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value).flatMap(([k, v]) =>
      isPiiTrait(k) && !(parent === 'company' && canonicalKey(k) === 'name')
        ? []
        : [[k, withoutPii(v, canonicalKey(k))]],
    ),
  )
}

/** Traits without PII keys, at any depth (email and phone are identifiers, returned hashed). */
export function publicTraits(json: string): Record<string, unknown> {
  return withoutPii(JSON.parse(json)) as Record<string, unknown>
}

export function buildProfileView(input: {
  row: ProfileRow
  scores: ScoreRow | undefined
  recommended: { as_of: string | null; items: Recommendation[] }
  now: number
}): ProfileView {
  const { row, scores } = input
  const updatedAt = JSON.parse(row.traits_updated_at) as Record<string, string>
  const traits = publicTraits(row.traits)
  return {
    person_id: row.person_id,
    identifiers: row.identifiers.map(([type, value]) => ({ type, value, hashed: HASHED.has(type) })),
    traits,
    traits_updated_at: Object.fromEntries(Object.entries(updatedAt).filter(([k]) => k in traits)),
    consent: {
      categories: row.consent_categories,
      policy_version: row.consent_policy_version,
      marketing: row.consent_categories.includes('marketing'),
      updated_at: row.consent_updated_at ? toIso(row.consent_updated_at) : null,
    },
    stream: streamAttributes(row, input.now),
    scores: {
      rfm: scores
        ? {
            as_of: toIso(scores.as_of),
            segment: scores.rfm_segment,
            cell: scores.rfm_cell,
            previous_segment: scores.previous_segment === '' ? null : scores.previous_segment,
            segment_since: toIso(scores.segment_since),
          }
        : null,
      propensity: scores
        ? { as_of: toIso(scores.as_of), score_30d: scores.propensity_30d, decile: scores.propensity_decile }
        : null,
      next_order: nextOrder(row, toIso(row.computed_at)),
      recommended_products: input.recommended,
    },
    audiences: [],
  }
}
