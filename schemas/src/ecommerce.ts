/**
 * Typed properties of the Segment E-commerce v2 events
 * (https://segment.com/docs/connections/spec/ecommerce/v2/), plus Cart Abandoned: written once for
 * both SDKs (types only; nothing here runs). Names are the spec's snake_case, which the warehouse
 * reads into typed columns (`order_id`, `product_id`, `revenue`, `currency`). Extra properties are
 * allowed. The collector's built-in tracking plan (services/collector, tracking-plan-ecommerce.ts)
 * checks the same fields at run time.
 */

export interface Product {
  product_id: string
  sku?: string
  name?: string
  category?: string
  brand?: string
  variant?: string
  /** Unit price. */
  price?: number
  quantity?: number
  coupon?: string
  position?: number
  url?: string
  image_url?: string
  /** ISO 4217, for example `EUR`. */
  currency?: string
  [property: string]: unknown
}

/** A line of an order: what was bought, how many, at what unit price. */
export interface LineItem extends Product {
  price: number
  quantity: number
}

export interface OrderCompletedProperties {
  order_id: string
  checkout_id?: string
  affiliation?: string
  /** Revenue including shipping and tax, after discounts. */
  total: number
  subtotal?: number
  /** Revenue attributed to the order (the spec: excluding shipping and tax). */
  revenue?: number
  shipping?: number
  tax?: number
  discount?: number
  coupon?: string
  /** ISO 4217, for example `EUR`. */
  currency: string
  products: LineItem[]
  [property: string]: unknown
}

export interface OrderRefundedProperties {
  order_id: string
  /** Amount refunded; absent means the whole order. */
  total?: number
  currency?: string
  /** The refunded lines for a partial refund; absent means the whole order. */
  products?: LineItem[]
  [property: string]: unknown
}

export interface CartProperties {
  cart_id?: string
  products: Product[]
  value?: number
  currency?: string
  [property: string]: unknown
}

export type ProductProperties = Product & { cart_id?: string; currency?: string }

export interface OrderProperties {
  order_id: string
  total?: number
  currency?: string
  products?: LineItem[]
  [property: string]: unknown
}

/** Event name → its properties. */
export interface EcommerceEvents {
  'Product Viewed': ProductProperties
  'Product Added': ProductProperties
  'Product Removed': ProductProperties
  'Cart Viewed': CartProperties
  'Checkout Started': OrderProperties
  'Order Completed': OrderCompletedProperties
  'Order Updated': OrderProperties
  'Order Refunded': OrderRefundedProperties
  'Order Cancelled': OrderProperties
  'Cart Abandoned': CartProperties
}

export type EcommerceEvent = keyof EcommerceEvents
