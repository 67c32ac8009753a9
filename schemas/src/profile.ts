import { z } from 'zod'

/**
 * The answer of `GET /v1/profiles/{type}/{value}` (docs/profiles.md): the one definition the
 * profiles service answers with and the Node SDK types its result with.
 */
export const PROFILE_IDENTIFIER_TYPES = [
  'user_id',
  'anonymous_id',
  'email',
  'phone',
  'loyalty_card',
  'person_id',
] as const
export type ProfileIdentifierType = (typeof PROFILE_IDENTIFIER_TYPES)[number]

/** Why a product is recommended ('fallback': the SDK's own list when the service did not answer). */
export const recommendationSchema = z.object({
  product_id: z.string(),
  reason: z.enum(['bought_together', 'viewed_together', 'popular', 'fallback']),
  /** Orders (bought together, popular) or visits (viewed together) behind it. */
  score: z.number(),
})
export type Recommendation = z.infer<typeof recommendationSchema>

export const profileWindowsSchema = z.object({ '1d': z.number(), '7d': z.number(), '30d': z.number() })
export type ProfileWindows = z.infer<typeof profileWindowsSchema>

const time = z.string()
const maybeTime = z.string().nullable()

export const cartItemSchema = z.object({
  product_id: z.string(),
  sku: z.string(),
  name: z.string(),
  category: z.string(),
  price: z.number(),
  quantity: z.number(),
})

export const streamAttributesSchema = z.object({
  as_of: time,
  first_seen: time,
  last_seen: time,
  sessions: profileWindowsSchema,
  page_views: profileWindowsSchema,
  cart: z.object({
    items: z.array(cartItemSchema),
    item_count: z.number(),
    value: z.number(),
    updated_at: maybeTime,
  }),
  viewed_not_bought: z.array(z.object({ product_id: z.string(), last_viewed_at: time })),
  orders: z.object({
    count: z.number(),
    revenue: z.number(),
    average_basket: z.number().nullable(),
    first_order_at: maybeTime,
    last_order_at: maybeTime,
    last_order_id: z.string().nullable(),
  }),
})

export const nextOrderSchema = z.object({
  as_of: time,
  window_start: maybeTime,
  window_end: maybeTime,
  /** Set when there is no window. */
  reason: z.enum(['no_orders', 'single_order']).nullable(),
})

export const scoredAttributesSchema = z.object({
  rfm: z
    .object({
      as_of: time,
      segment: z.string(),
      cell: z.string(),
      previous_segment: z.string().nullable(),
      segment_since: time,
    })
    .nullable(),
  propensity: z
    .object({ as_of: time, score_30d: z.number().nullable(), decile: z.number().nullable() })
    .nullable(),
  next_order: nextOrderSchema,
  recommended_products: z.object({ as_of: maybeTime, items: z.array(recommendationSchema) }),
})

export const profileSchema = z.object({
  person_id: z.string(),
  identifiers: z.array(z.object({ type: z.string(), value: z.string(), hashed: z.boolean() })),
  traits: z.record(z.string(), z.unknown()),
  traits_updated_at: z.record(z.string(), z.string()),
  consent: z.object({
    categories: z.array(z.string()),
    policy_version: z.string(),
    marketing: z.boolean(),
    updated_at: maybeTime,
  }),
  stream: streamAttributesSchema,
  scores: scoredAttributesSchema,
  /** The audiences the person belongs to: empty until audiences exist. */
  audiences: z.array(z.object({ id: z.string(), name: z.string(), entered_at: time })),
})
export type Profile = z.infer<typeof profileSchema>
export type CartItem = z.infer<typeof cartItemSchema>
export type StreamAttributes = z.infer<typeof streamAttributesSchema>
export type ScoredAttributes = z.infer<typeof scoredAttributesSchema>
export type NextOrder = z.infer<typeof nextOrderSchema>
