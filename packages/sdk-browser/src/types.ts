import type { CartProperties, Consent, EventContext, EventInput, Product } from '@sillage/schemas'

/** Free-form event properties or traits. */
export type Properties = Record<string, unknown>

/**
 * The Segment E-commerce v2 vocabulary is @sillage/schemas' (written once for both SDKs; types
 * only, nothing of it is bundled): a product, and the properties of Cart Viewed.
 */
export type { Product, CartProperties as Cart } from '@sillage/schemas'

/** Checkout Started. */
export interface Checkout {
  order_id?: string
  checkout_id?: string
  /** Revenue with discounts and coupons, without shipping and tax. */
  revenue?: number
  value?: number
  shipping?: number
  tax?: number
  discount?: number
  coupon?: string
  currency?: string
  products: Product[]
  [key: string]: unknown
}

/** Order Completed: an order id is required. */
export interface Order extends Checkout {
  order_id: string
  total?: number
  subtotal?: number
}

export interface ConsentOptions {
  /** `opt-in` (default): nothing is stored or sent until `consent.grant()`. `opt-out`: granted until `consent.deny()`. */
  mode?: 'opt-in' | 'opt-out'
  /** The category that allows collection (default `analytics`). */
  category?: string
  /** The version of your privacy policy; a stored choice made under another version is asked again. */
  policyVersion?: string
  /** Honour Global Privacy Control: a GPC browser is never tracked (default true). */
  gpc?: boolean
  /** Honour Do Not Track (default false). */
  dnt?: boolean
  /** Calls kept in memory while consent is pending; the oldest are dropped beyond it (default 100). */
  buffer?: number
}

/** An event as the SDK sends it (what `beforeSend` receives). */
export type OutgoingEvent = EventInput & {
  messageId: string
  timestamp: string
  context: EventContext & { consent: Consent }
}

export interface InitOptions {
  /** The source's (public) write key. */
  writeKey: string
  /** The collector's origin, e.g. `https://shop.example/sillage` (default: where sdk.js came from, else this page's origin). */
  host?: string
  consent?: ConsentOptions
  /** Send when this many events are queued (default 20). */
  flushAt?: number
  /** Send queued events after this many milliseconds (default 2000). */
  flushInterval?: number
  /** Events kept for later delivery (offline, collector down); the oldest are dropped beyond it (default 500). */
  maxQueue?: number
  /** A `page` on init and on every history navigation (pushState, replaceState, popstate); default true. */
  autoPage?: boolean
  /** Cookie domain, e.g. `.shop.example` to share the ids across subdomains (default: this host). */
  cookieDomain?: string
  /** Change an event before it is queued, or return null/false to drop it. Called after consent. */
  beforeSend?: (event: OutgoingEvent) => OutgoingEvent | null | undefined | false
}

export type ConsentStatus = 'pending' | 'granted' | 'denied'

/** What `consent.get()` returns: the state and what rides on events as `context.consent`. */
export interface ConsentState {
  state: ConsentStatus
  categories: string[]
  policyVersion?: string
  gpc: boolean
  dnt: boolean
}

export interface Sillage {
  init(options: InitOptions): void
  track(event: string, properties?: Properties): void
  page(name?: string, properties?: Properties): void
  identify(userId?: string | null, traits?: Properties): void
  alias(userId: string, previousId?: string): void
  group(groupId: string, traits?: Properties): void
  /** Forgets the user: a new anonymous id and session, no user id. */
  reset(): void
  /** Sends what is queued now. */
  flush(): void
  consent: {
    /** Grants categories (default: the collection category) and emits `Consent Updated`. */
    grant(categories?: string[]): void
    /** Refuses or withdraws; withdrawing erases the ids and the offline queue. */
    deny(): void
    get(): ConsentState
  }
  productViewed(product: Product): void
  productAdded(product: Product): void
  productRemoved(product: Product): void
  cartViewed(cart: CartProperties): void
  checkoutStarted(checkout: Checkout): void
  orderCompleted(order: Order): void
}
