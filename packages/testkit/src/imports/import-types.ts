import type { Product } from '../shop/catalogue.js'

/**
 * One retailer's year across channels, for the import acceptance test: live web and app events,
 * and three files to import (CRM contacts, the catalogue, store receipts), with the ground truth.
 *
 * People, by how they reach the shop:
 * - `web-card`: an account on the website (userId), a loyalty card; in the CRM; buys online and in
 *   the shops, the card (and sometimes the email) on the receipt; some also use the app;
 * - `web-email`: an account, no card; in the CRM; buys online and in the shops, giving the email;
 * - `store-crm`: never online; a card; in the CRM (customer id, email, card);
 * - `store-card`: never online; a card; not in the CRM;
 * - `web-guest`: browses and buys online as an anonymous visitor; never in a shop.
 * Anonymous receipts (no card, no email) are each a person of their own.
 */

export type ImportPersonKind = 'web-card' | 'web-email' | 'store-crm' | 'store-card' | 'web-guest'

export interface ImportPerson {
  key: string
  kind: ImportPersonKind
  userId?: string
  email: string
  loyaltyCard?: string
  anonymousId: string
  app?: { anonymousId: string; deviceId: string }
}

export interface ScenarioOrder {
  orderId: string
  /** The truth person key; `receipt:<id>` for an anonymous receipt. */
  personKey: string
  channel: 'web' | 'app' | 'store'
  at: number
  /** Cents. */
  totalCents: number
  storeId?: string
}

export interface ImportScenarioTruth {
  orders: ScenarioOrder[]
  /** Refused rows, by file: 1-based data row numbers. */
  refusedRows: { crm: number[]; receipts: number[] }
  /** Per store and UTC day (`YYYY-MM-DD|store`), orders and cents of the imported receipts. */
  storeDays: Record<string, { orders: number; cents: number }>
  /** People who bought on more than one channel. */
  crossChannelBuyers: number
  /** People with a web order and a store order. */
  webAndStoreBuyers: number
  /** Store orders with a product the person viewed online in the 30 days before. */
  roboOrders: number
  roboBuyers: number
  /** App sessions (each has screens: a visit). */
  appVisits: number
}

export interface ImportScenario {
  persons: ImportPerson[]
  catalogue: Product[]
  /** Live events, Segment spec, sorted by time: web (sillage.js) and app (analytics-ios). */
  events: Array<Record<string, unknown>>
  crmRows: Array<Record<string, unknown>>
  catalogueRows: Array<Record<string, unknown>>
  receiptRows: Array<Record<string, unknown>>
  truth: ImportScenarioTruth
}
