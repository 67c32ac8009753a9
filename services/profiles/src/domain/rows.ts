/**
 * The rows of the profile tables as the warehouse returns them (JSONEachRow): DateTime64 as
 * 'YYYY-MM-DD hh:mm:ss.sss' in UTC, tuples as arrays. See schemas/clickhouse/migrations/0050.
 */
export type Timestamp = string

export interface ProfileRow {
  person_id: string
  computed_at: Timestamp
  max_inserted_at: Timestamp
  source_ids: string[]
  identifiers: Array<[string, string]>
  first_seen: Timestamp
  last_seen: Timestamp
  /** JSON object. */
  traits: string
  /** JSON object: trait -> ISO time of the identify that set it. */
  traits_updated_at: string
  consent_categories: string[]
  consent_policy_version: string
  consent_updated_at: Timestamp | null
  session_starts: Timestamp[]
  page_view_times: Timestamp[]
  /** [product_id, sku, name, category, price, quantity] */
  cart: Array<[string, string, string, string, number, number]>
  cart_updated_at: Timestamp | null
  viewed: Array<[string, Timestamp]>
  bought: Array<[string, Timestamp]>
  orders: number
  revenue: number
  first_order_at: Timestamp | null
  last_order_at: Timestamp | null
  last_order_id: string
}

/**
 * A profile row as its JSON text (JSONEachRow), with the keys that name it (its identifiers as
 * `type:value`, then `person_id:<id>`): the in-process copy holds profiles this way, one string
 * each, and a lookup parses the one it answers (docs/profiles.md#storage).
 */
export interface ProfileText {
  person_id: string
  keys: string[]
  text: string
}

export interface ScoreRow {
  person_id: string
  as_of: Timestamp
  rfm_segment: string
  rfm_cell: string
  previous_segment: string
  segment_since: Timestamp
  propensity_30d: number | null
  propensity_decile: number | null
}

export interface RecommendationRow {
  product_id: string
  as_of: Timestamp
  bought_together: Array<[string, number | string]>
  viewed_together: Array<[string, number | string]>
}

/** A warehouse timestamp ('YYYY-MM-DD hh:mm:ss.sss', UTC) to epoch milliseconds. */
export function toMs(t: Timestamp): number {
  return Date.parse(`${t.replace(' ', 'T')}Z`)
}

/** A warehouse timestamp to ISO-8601 ('…Z'). */
export function toIso(t: Timestamp): string {
  return new Date(toMs(t)).toISOString()
}

/** Epoch milliseconds to a warehouse timestamp. */
export function fromMs(ms: number): Timestamp {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
}
