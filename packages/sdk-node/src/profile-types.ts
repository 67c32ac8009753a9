/**
 * The profile API's answers as the SDK returns them (docs/profiles.md is the reference; the
 * service's own type is services/profiles/src/domain/profile-view.ts).
 */
export type ProfileIdentifierType =
  'user_id' | 'anonymous_id' | 'email' | 'phone' | 'loyalty_card' | 'person_id'

export interface Recommendation {
  product_id: string
  reason: 'bought_together' | 'viewed_together' | 'popular' | 'fallback'
  score: number
}

export interface Windows {
  '1d': number
  '7d': number
  '30d': number
}

export interface Profile {
  person_id: string
  identifiers: Array<{ type: string; value: string; hashed: boolean }>
  traits: Record<string, unknown>
  traits_updated_at: Record<string, string>
  consent: { categories: string[]; policy_version: string; marketing: boolean; updated_at: string | null }
  stream: {
    as_of: string
    first_seen: string
    last_seen: string
    sessions: Windows
    page_views: Windows
    cart: {
      items: Array<{
        product_id: string
        sku: string
        name: string
        category: string
        price: number
        quantity: number
      }>
      item_count: number
      value: number
      updated_at: string | null
    }
    viewed_not_bought: Array<{ product_id: string; last_viewed_at: string }>
    orders: {
      count: number
      revenue: number
      average_basket: number | null
      first_order_at: string | null
      last_order_at: string | null
      last_order_id: string | null
    }
  }
  scores: {
    rfm: {
      as_of: string
      segment: string
      cell: string
      previous_segment: string | null
      segment_since: string
    } | null
    propensity: { as_of: string; score_30d: number | null; decile: number | null } | null
    next_order: {
      as_of: string
      window_start: string | null
      window_end: string | null
      reason: 'no_orders' | 'single_order' | null
    }
    recommended_products: { as_of: string | null; items: Recommendation[] }
  }
  audiences: Array<{ id: string; name: string; entered_at: string }>
}

/**
 * A lookup's outcome. `unavailable` (timeout, network error, 5xx, 429) never throws: a page
 * renders without the profile rather than wait on Sillage.
 */
export type ProfileResult =
  | { status: 'found'; profile: Profile }
  | { status: 'not_found' }
  | { status: 'unavailable'; reason: string; httpStatus?: number }

export interface RecommendationsResult {
  items: Recommendation[]
  /** True when the service did not answer in time and `fallback` products were returned. */
  fallback: boolean
}
