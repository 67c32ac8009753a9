/**
 * A deterministic synthetic shop: shoppers with browsers, app installs, shared household
 * computers, online accounts, newsletter sign-ups, loyalty cards and store purchases, emitted as
 * Segment events in time order, each with its ground truth.
 *
 * Layers, so that other scenarios can reuse and extend it:
 * 1. `worldOf`: the shop's shoppers (`createShoppers` of the same seed, with its identity layer:
 *    newsletter-only guests, store cards, app re-installs, household computers, junk userIds),
 *    as identifiers and devices (who exists);
 * 2. `planVisits`: when each shopper (while active) uses which device or shop, and what they do there;
 * 3. `playVisits`: device state (who is logged in) in time order → events, through `browse`
 *    (the in-session behaviour, replaceable with `options.browse`: catalogue, carts, orders…);
 * 4. `expectedGroups` (ground-truth.ts): what the identity rules should make of each event.
 *
 * Ground truth per event: `shopperId` (who acted) and `expected`, the identity group the rules
 * should put it in: `shopper:<id>`, or a group of its own (`device:…`, `card:…`) for identifiers
 * never linked to the shopper's account. Where the rules knowingly attribute by device, they
 * differ from who acted: anonymous events on a shared computer go to its last logged-in user.
 */
import { rngFor } from '../prng.js'
import { createShoppers } from '../shop/shoppers.js'
import { browseProducts, defaultCatalogue } from './browse.js'
import { expectedGroups } from './ground-truth.js'
import { DEFAULT_MIX, type ShopGeneratorOptions, type ShopperMix } from './options.js'
import { playVisits } from './play.js'
import type { Device, GeneratedEvent, Product, SegmentEvent, Shopper } from './types.js'
import { planVisits } from './visits.js'
import { worldOf } from './world.js'

export type * from './types.js'
export { DEFAULT_MIX, type ShopGeneratorOptions, type ShopperMix } from './options.js'
export { browseProducts, defaultCatalogue, type BrowseContext } from './browse.js'
export { JUNK_USER_IDS } from './play.js'

export interface GeneratedShop {
  seed: number
  shoppers: Shopper[]
  devices: Map<string, Device>
  catalogue: readonly Product[]
  /** In time order. */
  events: GeneratedEvent[]
}

export function generateShop(options: ShopGeneratorOptions = {}): GeneratedShop {
  const seed = options.seed ?? 1
  const mix: ShopperMix = { ...DEFAULT_MIX, ...options.mix }
  const catalogue = options.catalogue ?? defaultCatalogue(seed)
  // The people are the shop's shoppers with their identity layer; then independent streams per
  // layer (visits, play): a change in one does not shift the draws of the others.
  const startMs = options.startMs ?? Date.UTC(2026, 0, 5)
  const endMs = startMs + (options.days ?? 28) * 86_400_000
  const shoppers = createShoppers(seed, options.shoppers ?? 1000, startMs, endMs, { identity: mix })
  const world = worldOf(shoppers)
  const visits = planVisits(rngFor(seed, 'visits'), world, { visits: options.visits ?? [1, 6] }, mix)
  const emitted = playVisits(
    rngFor(seed, 'play'),
    world,
    visits,
    catalogue,
    options.browse ?? browseProducts,
    mix,
    seed,
  )
  return {
    seed,
    shoppers: world.shoppers,
    devices: world.devices,
    catalogue,
    events: expectedGroups(world, emitted),
  }
}

/** The fields the collector adds, for feeding generated events to identity directly. */
export function enrich<T extends SegmentEvent>(event: T): T & { receivedAt: string; sourceId: string } {
  const context = event['context'] as { device?: unknown } | undefined
  const sourceId = String(event['anonymousId'] ?? '').startsWith('pos-')
    ? 'pos'
    : context?.device
      ? 'app'
      : 'web'
  return { ...event, receivedAt: event.timestamp, sourceId }
}

/** The bus key the collector uses: anonymousId, else userId. */
export const partitionKeyOf = (event: SegmentEvent): string =>
  String(event['anonymousId'] ?? event['userId'] ?? '')
