/** The identity scenario's types, apart so that the generator and its ground truth share them. */

export type SegmentEvent = Record<string, unknown> & {
  type: 'track' | 'page' | 'screen' | 'identify' | 'alias' | 'group'
  messageId: string
  timestamp: string
}

/** The catalogue is the shop generator's (shop/catalogue.ts): one product model for both scenarios. */
export type { Product } from '../shop/catalogue.js'

export interface Device {
  id: string
  kind: 'web' | 'app'
  /** Browser: its anonymousId. App: the current install's anonymousId (see `installs`). */
  anonymousIds: string[]
  /** App only: context.device.id, stable across re-installs. */
  deviceId?: string
  /** Shopper ids; two for a shared household computer. */
  owners: string[]
}

/** A shopper as the identity scenario sees them: the shop's shopper (`id` is its key) and its identifiers. */
export interface Shopper {
  id: string
  userId?: string
  /** Canonical (lower-case) email; events vary its case and spacing. */
  email?: string
  /** E.164; events vary the format. */
  phone?: string
  loyaltyCard?: string
  /** Registers the loyalty card on the online account (identify with traits.loyalty_card). */
  registersCard: boolean
  devices: string[]
  firstName: string
  /** When the shopper comes: [activeFrom, activeUntil) of their shop profile. */
  active: readonly [from: number, until: number]
  /** The junk userId their browser's buggy integration sends on anonymous events. */
  junkUserId?: string
}

export interface EventTruth {
  /** Who acted; `walk-in-<n>` for an anonymous store purchase. */
  shopperId: string
  /** The identity group the rules should give this event: `shopper:<id>`, `device:<id>`, `card:<id>`. */
  expected: string
  channel: 'web' | 'app' | 'store'
  device?: string
}

export interface GeneratedEvent {
  event: SegmentEvent
  truth: EventTruth
}

export interface World {
  shoppers: Shopper[]
  devices: Map<string, Device>
}

export interface Emitted {
  event: SegmentEvent
  shopperId: string
  channel: EventTruth['channel']
  device?: Device
  /**
   * The identifiers the event carries, as the generator knows them (not parsed back from the
   * event): `user:`, `email:`, `phone:`, `card:`, `dev:`, `anon:` + canonical value.
   */
  facts: string[]
}
