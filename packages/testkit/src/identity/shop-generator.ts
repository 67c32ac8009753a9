/**
 * A deterministic synthetic shop: shoppers with browsers, app installs, shared household
 * computers, online accounts, newsletter sign-ups, loyalty cards and store purchases, emitted as
 * Segment events in time order, each with its ground truth.
 *
 * Layers, so that other scenarios can reuse and extend it:
 * 1. `buildWorld`: shoppers, their identifiers and devices (who exists);
 * 2. `planVisits`: when each shopper uses which device or shop, and what they do there;
 * 3. `playVisits`: device state (who is logged in) in time order → events, through `browse`
 *    (the in-session behaviour, replaceable with `options.browse`: catalogue, carts, orders…);
 * 4. `expectedGroups` (ground-truth.ts): what the identity rules should make of each event.
 *
 * Ground truth per event: `shopperId` (who acted) and `expected`, the identity group the rules
 * should put it in: `shopper:<id>`, or a group of its own (`device:…`, `card:…`) for identifiers
 * never linked to the shopper's account. Where the rules knowingly attribute by device, they
 * differ from who acted: anonymous events on a shared computer go to its last logged-in user.
 */
import { expectedGroups } from './ground-truth.js'
import { rngFor, type Rng } from '../prng.js'
import { createCatalogue } from '../shop/catalogue.js'
import type {
  Device,
  Emitted,
  EventTruth,
  GeneratedEvent,
  Product,
  SegmentEvent,
  Shopper,
  World,
} from './types.js'

export type { Device, Emitted, EventTruth, GeneratedEvent, Product, SegmentEvent, Shopper, World }

export interface ShopperMix {
  /** Shoppers with an online account. */
  account: number
  /** Shoppers without an account who sign up to the newsletter with their email. */
  newsletterOnly: number
  /** Account holders who also sign up to the newsletter anonymously on a device they never log in on. */
  newsletterCrossDevice: number
  /** Shoppers with a loyalty card who buy in store. */
  storeCustomer: number
  /** Card holders with an account who register the card online. */
  registersCard: number
  /** Shoppers using the app. */
  app: number
  /** Account holders who give a phone number. */
  phone: number
  /** Account holders who share a household computer with another account holder. */
  sharedComputer: number
  /** Anonymous web events sent with a junk userId ("null", "0", …) by a buggy integration. */
  junkUserId: number
  /** Store purchases without a loyalty card, per shopper. */
  walkIns: number
  /** Store receipts that carry the card holder's email (e-receipt). */
  receiptEmail: number
}

export const DEFAULT_MIX: Readonly<ShopperMix> = Object.freeze({
  account: 0.6,
  newsletterOnly: 0.3,
  newsletterCrossDevice: 0.2,
  storeCustomer: 0.3,
  registersCard: 0.6,
  app: 0.2,
  phone: 0.3,
  sharedComputer: 0.05,
  junkUserId: 0.01,
  walkIns: 0.05,
  receiptEmail: 0.3,
})

export interface BrowseContext {
  rng: Rng
  catalogue: readonly Product[]
  shopper: Shopper
  device: Device
  /** Emits one event with the device's identity fields and the next timestamp of the visit. */
  emit(fields: Record<string, unknown> & { type: SegmentEvent['type'] }): void
}

export interface ShopGeneratorOptions {
  seed?: number
  shoppers?: number
  /** First visit, epoch ms. */
  startMs?: number
  days?: number
  /** Visits per shopper, both included. */
  visits?: readonly [number, number]
  mix?: Partial<ShopperMix>
  catalogue?: readonly Product[]
  /** What a shopper does during a visit once the identity steps are placed; default `browseProducts`. */
  browse?: (ctx: BrowseContext) => void
}

export interface GeneratedShop {
  seed: number
  shoppers: Shopper[]
  devices: Map<string, Device>
  catalogue: readonly Product[]
  /** In time order. */
  events: GeneratedEvent[]
}

export const JUNK_USER_IDS = ['null', 'undefined', '0', 'anonymous', '[object Object]', 'NaN', 'guest', ' ']

/**
 * The shop generator's catalogue (shop/catalogue.ts) for `seed`: the same products as the
 * analytics shop (`simulateShop`) of the same seed.
 */
export function defaultCatalogue(seed = 1): Product[] {
  return createCatalogue(rngFor(seed, 'catalogue'))
}

/** The default visit: a few page and product views (screens in the app). */
export function browseProducts(ctx: BrowseContext): void {
  const n = ctx.rng.int(1, 5)
  for (let i = 0; i < n; i++) {
    const product = ctx.rng.pick(ctx.catalogue)
    if (ctx.device.kind === 'app') {
      ctx.emit({ type: 'screen', name: 'Product', properties: { product_id: product.product_id } })
    } else if (ctx.rng.chance(0.4)) {
      ctx.emit({
        type: 'page',
        name: 'Category',
        properties: { path: `/c/${product.category.toLowerCase()}` },
      })
    } else {
      ctx.emit({
        type: 'track',
        event: 'Product Viewed',
        properties: {
          product_id: product.product_id,
          price: product.price,
          currency: 'EUR',
          category: product.category,
        },
      })
    }
  }
}

// --- 1. the world --------------------------------------------------------------------------------

function buildWorld(rng: Rng, count: number, mix: ShopperMix): World {
  const shoppers: Shopper[] = []
  const devices = new Map<string, Device>()
  const addDevice = (d: Device): string => {
    devices.set(d.id, d)
    return d.id
  }
  const names = ['Alice', 'Bruno', 'Chloé', 'David', 'Emma', 'Farid', 'Gaëlle', 'Hugo', 'Inès', 'Jules']
  for (let i = 0; i < count; i++) {
    const id = `shopper-${String(i).padStart(6, '0')}`
    const account = rng.chance(mix.account)
    const emailLocal = `${rng
      .pick(names)
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '')}.${rng.hex(6)}`
    const email = account || rng.chance(mix.newsletterOnly) ? `${emailLocal}@example.com` : undefined
    const card = rng.chance(mix.storeCustomer) ? `LC-${rng.int(10_000_000, 99_999_999)}` : undefined
    const shopper: Shopper = {
      id,
      firstName: rng.pick(names),
      devices: [],
      registersCard: account && card !== undefined && rng.chance(mix.registersCard),
      ...(account && { userId: `cust-${rng.hex(10)}` }),
      ...(email && { email }),
      ...(account && rng.chance(mix.phone) && { phone: `+336${rng.int(10_000_000, 99_999_999)}` }),
      ...(card && { loyaltyCard: card }),
    }
    const browsers = rng.int(1, 3)
    for (let b = 0; b < browsers; b++) {
      shopper.devices.push(
        addDevice({ id: `${id}/web${b}`, kind: 'web', anonymousIds: [rng.hex(24)], owners: [id] }),
      )
    }
    if (rng.chance(mix.app)) {
      const installs = rng.chance(0.3) ? 2 : 1
      shopper.devices.push(
        addDevice({
          id: `${id}/app`,
          kind: 'app',
          anonymousIds: Array.from({ length: installs }, () => `app-${rng.hex(20)}`),
          deviceId: `dev-${rng.hex(16)}`,
          owners: [id],
        }),
      )
    }
    shoppers.push(shopper)
  }
  // Households: pairs of account holders sharing one computer (its anonymousId persists).
  const candidates = shoppers.filter((s) => s.userId && rng.chance(mix.sharedComputer))
  for (let i = 0; i + 1 < candidates.length; i += 2) {
    const [a, b] = [candidates[i]!, candidates[i + 1]!]
    const id = `home-${a.id}-${b.id}`
    addDevice({ id, kind: 'web', anonymousIds: [rng.hex(24)], owners: [a.id, b.id] })
    a.devices.push(id)
    b.devices.push(id)
  }
  return { shoppers, devices }
}

// --- 2. visits -----------------------------------------------------------------------------------

type Step = 'login' | 'logout' | 'newsletter' | 'registerCard'

interface Visit {
  at: number
  seq: number
  shopper: Shopper
  /** A device id, or 'store'. */
  where: string
  steps: Step[]
}

function planVisits(
  rng: Rng,
  world: World,
  opts: Required<Pick<ShopGeneratorOptions, 'startMs' | 'days' | 'visits'>>,
  mix: ShopperMix,
): Visit[] {
  const visits: Visit[] = []
  const span = opts.days * 24 * 3600 * 1000
  let seq = 0
  const at = (): number => opts.startMs + Math.floor(rng.next() * span)
  for (const shopper of world.shoppers) {
    const own = shopper.devices.filter((d) => world.devices.get(d)!.owners.length === 1)
    const shared = shopper.devices.filter((d) => world.devices.get(d)!.owners.length > 1)
    // Which devices the shopper ever logs in on: the first one always, the others half the time.
    const logsInOn = new Set(shopper.userId ? own.filter((_, i) => i === 0 || rng.chance(0.5)) : [])
    const never = own.filter((d) => !logsInOn.has(d) && world.devices.get(d)!.kind === 'web')
    const newsletterOn =
      shopper.email && !shopper.userId
        ? (own.find((d) => world.devices.get(d)!.kind === 'web') ?? own[0])
        : shopper.userId && never.length > 0 && rng.chance(mix.newsletterCrossDevice)
          ? never[0]
          : undefined
    const count = rng.int(opts.visits[0], opts.visits[1])
    const mine: Visit[] = []
    for (let v = 0; v < count; v++) {
      const where = rng.pick([...own, ...shared])
      mine.push({ at: at(), seq: seq++, shopper, where, steps: [] })
    }
    // Every device the shopper logs in on gets at least one visit; so does the newsletter device.
    for (const d of [...logsInOn, ...(newsletterOn ? [newsletterOn] : [])]) {
      if (!mine.some((m) => m.where === d)) mine.push({ at: at(), seq: seq++, shopper, where: d, steps: [] })
    }
    mine.sort((x, y) => x.at - y.at || x.seq - y.seq)
    const loggedIn = new Set<string>()
    let newsletterDone = false
    let cardDone = false
    for (const visit of mine) {
      if (logsInOn.has(visit.where) && !loggedIn.has(visit.where)) {
        visit.steps.push('login')
        loggedIn.add(visit.where)
      }
      if (shared.includes(visit.where) && rng.chance(0.8)) visit.steps.push('login')
      if (visit.where === newsletterOn && !newsletterDone) {
        visit.steps.push('newsletter')
        newsletterDone = true
      }
      if (shopper.registersCard && !cardDone && visit.steps.includes('login')) {
        visit.steps.push('registerCard')
        cardDone = true
      }
      if (shared.includes(visit.where) && rng.chance(0.6)) visit.steps.push('logout')
    }
    if (shopper.loyaltyCard) {
      const purchases = rng.int(1, 4)
      for (let p = 0; p < purchases; p++)
        visits.push({ at: at(), seq: seq++, shopper, where: 'store', steps: [] })
    }
    visits.push(...mine)
  }
  return visits.sort((x, y) => x.at - y.at || x.seq - y.seq)
}

// --- 3. playing the visits -----------------------------------------------------------------------

function variants(rng: Rng, shopper: Shopper): { email?: string; phone?: string } {
  const out: { email?: string; phone?: string } = {}
  if (shopper.email) {
    out.email = rng.weighted([
      [shopper.email, 3],
      [shopper.email.toUpperCase(), 1],
      [` ${shopper.email[0]!.toUpperCase()}${shopper.email.slice(1)} `, 1],
    ])
  }
  if (shopper.phone) {
    const national = shopper.phone.slice(3)
    out.phone = rng.weighted([
      [shopper.phone, 2],
      [`00${shopper.phone.slice(1)}`, 1],
      [
        `+33 ${national.slice(0, 1)} ${national.slice(1, 3)} ${national.slice(3, 5)} ${national.slice(5, 7)} ${national.slice(7)}`,
        1,
      ],
    ])
  }
  return out
}

function playVisits(
  rng: Rng,
  world: World,
  visits: Visit[],
  catalogue: readonly Product[],
  browse: (ctx: BrowseContext) => void,
  mix: ShopperMix,
  seed: number,
): Emitted[] {
  const out: Emitted[] = []
  const loggedIn = new Map<string, Shopper>()
  const installOf = new Map<string, number>()
  let n = 0
  let walkIns = 0
  const messageId = (): string => `gen-${seed}-${String(n++).padStart(8, '0')}`

  for (const visit of visits) {
    let clock = visit.at
    const tick = (): string => new Date((clock += rng.int(5, 90) * 1000)).toISOString()
    const { shopper } = visit

    if (visit.where === 'store') {
      const useExternalIds = rng.chance(0.5)
      const receiptEmail =
        shopper.email && rng.chance(mix.receiptEmail) ? variants(rng, shopper).email : undefined
      const total = rng.int(10, 200) + 0.5
      const posId = `pos-${rng.int(1, 40)}-${rng.hex(12)}`
      out.push({
        shopperId: shopper.id,
        channel: 'store',
        facts: [
          `anon:${posId}`,
          `card:${shopper.loyaltyCard}`,
          ...(receiptEmail ? [`email:${shopper.email}`] : []),
        ],
        event: {
          type: 'track',
          event: 'Order Completed',
          messageId: messageId(),
          timestamp: tick(),
          anonymousId: posId,
          properties: {
            order_id: `pos-order-${rng.hex(10)}`,
            revenue: total,
            currency: 'EUR',
            ...(!useExternalIds && { loyalty_card: shopper.loyaltyCard }),
          },
          context: {
            ...(useExternalIds && { externalIds: [{ type: 'loyalty_card', id: shopper.loyaltyCard }] }),
            ...(receiptEmail && { traits: { email: receiptEmail } }),
          },
        },
      })
      if (rng.chance(mix.walkIns)) {
        const walkInId = `pos-${rng.int(1, 40)}-${rng.hex(12)}`
        out.push({
          shopperId: `walk-in-${walkIns++}`,
          channel: 'store',
          facts: [`anon:${walkInId}`],
          event: {
            type: 'track',
            event: 'Order Completed',
            messageId: messageId(),
            timestamp: tick(),
            anonymousId: walkInId,
            properties: { order_id: `pos-order-${rng.hex(10)}`, revenue: rng.int(5, 50), currency: 'EUR' },
          },
        })
      }
      continue
    }

    const device = world.devices.get(visit.where)!
    // An app may have been re-installed: later visits use the later install.
    let install = installOf.get(device.id) ?? 0
    if (device.kind === 'app' && install + 1 < device.anonymousIds.length && rng.chance(0.3)) install++
    installOf.set(device.id, install)
    const anonymousId = device.anonymousIds[install]!

    const emitWith = (
      fields: Record<string, unknown> & { type: SegmentEvent['type'] },
      facts: string[],
    ): void => {
      const user = loggedIn.get(device.id)
      const context: Record<string, unknown> = {
        ...(fields['context'] as Record<string, unknown> | undefined),
      }
      if (device.deviceId) context['device'] = { id: device.deviceId, type: 'ios' }
      const junk = !user && device.kind === 'web' && rng.chance(mix.junkUserId)
      out.push({
        shopperId: shopper.id,
        channel: device.kind,
        device,
        facts: [
          `anon:${anonymousId}`,
          ...(user?.userId ? [`user:${user.userId}`] : []),
          ...(device.deviceId ? [`dev:${device.deviceId}`] : []),
          ...facts,
        ],
        event: {
          ...fields,
          messageId: messageId(),
          timestamp: tick(),
          anonymousId,
          ...(user?.userId ? { userId: user.userId } : junk ? { userId: rng.pick(JUNK_USER_IDS) } : {}),
          context,
        } as SegmentEvent,
      })
    }
    const emit = (fields: Record<string, unknown> & { type: SegmentEvent['type'] }): void =>
      emitWith(fields, [])
    const ctx: BrowseContext = { rng, catalogue, shopper, device, emit }

    const steps = visit.steps
    if (!steps.includes('login') || rng.chance(0.5)) browse(ctx) // browsing before logging in
    if (steps.includes('newsletter')) {
      emitWith({ type: 'identify', traits: { email: variants(rng, shopper).email } }, [
        `email:${shopper.email}`,
      ])
    }
    if (steps.includes('login') && shopper.userId) {
      loggedIn.set(device.id, shopper)
      const v = variants(rng, shopper)
      emitWith({ type: 'identify', traits: { firstName: shopper.firstName, ...v } }, [
        ...(v.email ? [`email:${shopper.email}`] : []),
        ...(v.phone ? [`phone:${shopper.phone}`] : []),
      ])
    }
    if (steps.includes('registerCard') && shopper.loyaltyCard) {
      emitWith({ type: 'identify', traits: { loyalty_card: shopper.loyaltyCard } }, [
        `card:${shopper.loyaltyCard}`,
      ])
    }
    browse(ctx)
    if (steps.includes('logout')) loggedIn.delete(device.id)
  }
  return out
}

export function generateShop(options: ShopGeneratorOptions = {}): GeneratedShop {
  const seed = options.seed ?? 1
  const mix: ShopperMix = { ...DEFAULT_MIX, ...options.mix }
  const catalogue = options.catalogue ?? defaultCatalogue(seed)
  // Independent streams per layer: a change in one does not shift the draws of the others.
  const world = buildWorld(rngFor(seed, 'world'), options.shoppers ?? 1000, mix)
  const visits = planVisits(
    rngFor(seed, 'visits'),
    world,
    {
      startMs: options.startMs ?? Date.UTC(2026, 0, 5),
      days: options.days ?? 28,
      visits: options.visits ?? [1, 6],
    },
    mix,
  )
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
  const sourceId = String(event['anonymousId'] ?? '').startsWith('pos-')
    ? 'pos'
    : String(event['anonymousId'] ?? '').startsWith('app-')
      ? 'app'
      : 'web'
  return { ...event, receivedAt: event.timestamp, sourceId }
}

/** The bus key the collector uses: anonymousId, else userId. */
export const partitionKeyOf = (event: SegmentEvent): string =>
  String(event['anonymousId'] ?? event['userId'] ?? '')
