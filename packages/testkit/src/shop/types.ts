import type { Product } from './catalogue.js'

/** The write keys a shop sends through: its website, its iOS app, its backend (orders, POS). */
export type SourceName = 'web' | 'ios' | 'backend'
/** Where an event comes from, as customer_360 reports it. */
export type Channel = 'web' | 'app' | 'server' | 'store'

/** A Segment-spec event, as an SDK sends it. */
export interface ShopEvent {
  type: 'track' | 'page' | 'screen' | 'identify' | 'alias'
  messageId: string
  /** ISO-8601, milliseconds, UTC. */
  timestamp: string
  anonymousId?: string
  userId?: string
  event?: string
  name?: string
  properties?: Record<string, unknown>
  traits?: Record<string, unknown>
  context: Record<string, unknown>
}

/** What the collector's user-agent parser makes of a device's user agent. */
export interface ParsedUa {
  browser: string
  browserVersion: string
  os: string
  deviceType: string
  bot: boolean
}

export interface GeneratedEvent {
  /** Epoch milliseconds of `event.timestamp`. */
  at: number
  source: SourceName
  /** The shopper (person) it belongs to: ground truth for identity stitching. */
  personKey: string
  event: ShopEvent
  /** Set when the event carries a user agent. */
  ua?: ParsedUa
}

export interface CartLine {
  product_id: string
  sku: string
  name: string
  category: string
  brand: string
  price: number
  quantity: number
}

export interface TruthSession {
  personKey: string
  channel: 'web' | 'app' | 'store'
  /** The SDK's session id (web); '' when the events carry none (app, store). */
  sessionId: string
  start: number
  end: number
  events: number
  /** page and screen events. */
  pages: number
  /** Product Viewed events. */
  productViews: number
  landingPage: string
  exitPage: string
  referrer: string
  utmSource: string
  utmMedium: string
  utmCampaign: string
  /** utm_source, else the external referrer's host without www, else '(direct)'; '(store)' in a shop. */
  source: string
  deviceType: string
  added: boolean
  checkoutStarted: boolean
  orderIds: string[]
  revenue: number
  /** One page or screen, and no add, checkout or order. */
  bounced: boolean
}

export interface TruthOrder {
  orderId: string
  personKey: string
  at: number
  revenue: number
  channel: 'web' | 'app' | 'store'
  /** The session it belongs to (index into truth.sessions). */
  session: number
  items: CartLine[]
  messageId: string
}

export interface TruthAbandonment {
  personKey: string
  cartId: string
  /** The last event of the person before the inactivity window. */
  lastActivity: number
  items: CartLine[]
  value: number
  /** The first Product Added of the burst: what the Cart Abandoned messageId derives from. */
  triggerMessageId: string
}

export interface ShopTruth {
  sessions: TruthSession[]
  orders: TruthOrder[]
  /**
   * Carts that hold items when their owner goes quiet for the window with no checkout after the
   * cart's last change and no order.
   */
  abandonments: TruthAbandonment[]
  /**
   * Carts left at checkout: a Checkout Started followed their last change, no order did. Never
   * abandoned (a checkout suppresses Cart Abandoned); the first add of their burst, by messageId.
   */
  leftAtCheckout: string[]
  /** Carts whose order arrived after a pause shorter than the window: never abandoned. */
  lateOrders: string[]
}

export type { Product }
