import type { Rng } from '../prng.js'
import type { Product } from './catalogue.js'
import { campaignQuery, SHOP_URL, type Page, productProps } from './pages.js'
import type { Device, Shopper } from './shoppers.js'
import type { CartLine, GeneratedEvent, ShopEvent, ShopTruth, SourceName, TruthSession } from './types.js'

/**
 * One shopper's run through the simulation: its state (clock, cart, consent, the devices it is
 * signed in on) and the events it emits, with the SDK context each source adds.
 */

/** What every shopper's run shares: the catalogue, the period's end, the output. */
export interface SimContext {
  rng: Rng
  catalogue: Product[]
  end: number
  events: GeneratedEvent[]
  truth: ShopTruth
}

/** One session in progress. */
export interface Session {
  device: Device | undefined
  sid: number | undefined
  t: number
  truth: TruthSession
  /** The URL the next page comes from (an external referrer for the landing page). */
  referrer: string
  /** The page on screen (web): browser events carry it in context.page. */
  page: { url: string; path: string; referrer: string; title: string; search: string } | undefined
  /** Set between an order and the end of the session: the abandonment rule looks after it. */
  firstAddSinceOrder: string | undefined
  /** A Checkout Started after the cart's last add or removal (in this session): no abandonment. */
  checkoutSinceCartChange: boolean
}

export interface ShopperRun {
  sim: SimContext
  rng: Rng
  shopper: Shopper
  /** The next event's sequence number (its messageId). */
  seq: number
  /** The clock between sessions: the next session starts at it. */
  t: number
  lastEnd: number
  cart: Map<string, CartLine>
  cartSeq: number
  orderSeq: number
  /** The next visit comes back for the cart (a reminder). */
  recoverNext: boolean
  consent: Shopper['consent']
  consentChanged: boolean
  /** The anonymous ids of the devices the shopper is signed in on. */
  loggedIn: Set<string>
  guestIdentified: boolean
}

export function createShopperRun(sim: SimContext, shopper: Shopper): ShopperRun {
  return {
    sim,
    rng: sim.rng,
    shopper,
    seq: 0,
    t: shopper.activeFrom,
    lastEnd: -Infinity,
    cart: new Map(),
    cartSeq: 1,
    orderSeq: 0,
    recoverNext: false,
    consent: shopper.consent,
    consentChanged: false,
    loggedIn: new Set(),
    guestIdentified: false,
  }
}

export const weightedProduct = (run: ShopperRun): Product =>
  run.rng.weighted(run.sim.catalogue.map((p) => [p, p.weight] as const))

export function traits(run: ShopperRun): Record<string, unknown> {
  const { shopper } = run
  return {
    email: shopper.email,
    first_name: shopper.firstName,
    city: shopper.city,
    country: shopper.country,
    tier: run.orderSeq >= 3 ? 'gold' : 'standard',
    ...(shopper.phone ? { phone: shopper.phone } : {}),
    ...(shopper.loyaltyCard ? { loyalty_card: shopper.loyaltyCard } : {}),
  }
}

/** The SDK context of an event: the app's, the browser's (page, campaign) or the backend's. */
function contextOf(run: ShopperRun, s: Session, device: Device | undefined): Record<string, unknown> {
  const context: Record<string, unknown> = {}
  if (device?.kind === 'app') {
    Object.assign(context, {
      library: { name: 'analytics-ios', version: '4.1.8' },
      app: { name: 'Sillage', version: '3.4.1', build: '341' },
      device: { id: device.deviceId, manufacturer: 'Apple', model: 'iPhone15,2', type: 'ios' },
      os: { name: 'iOS', version: '17.5' },
    })
  } else if (device) {
    context['library'] = { name: 'sillage.js', version: '0.1.0' }
    context['sessionId'] = s.sid
    if (s.page) {
      context['page'] = { ...s.page }
      // The SDK reads the campaign from the URL: only the landing page's URL has one.
      if (s.page.search) {
        context['campaign'] = {
          source: s.truth.utmSource,
          medium: s.truth.utmMedium,
          name: s.truth.utmCampaign,
        }
      }
    }
  } else {
    context['library'] = { name: '@sillage/sdk-node', version: '0.1.0' }
    if (s.truth.channel === 'store') context['channel'] = 'store'
  }
  if (device) {
    context['userAgent'] = device.userAgent
    context['locale'] = 'fr-FR'
    context['timezone'] = 'Europe/Paris'
    context['consent'] = run.consent
  }
  return context
}

/** Appends one event at the session's clock. */
export function emit(run: ShopperRun, s: Session, source: SourceName, fields: Partial<ShopEvent>): ShopEvent {
  const { shopper } = run
  const device = source === 'backend' ? undefined : s.device
  const context = contextOf(run, s, device)
  const event: ShopEvent = {
    type: 'track',
    ...fields,
    messageId: `m-${shopper.key.slice(8)}-${String(run.seq++).padStart(5, '0')}`,
    timestamp: new Date(s.t).toISOString(),
    context,
  }
  if (device) event.anonymousId = device.anonymousId
  else if (s.device && source === 'backend') event.anonymousId = s.device.anonymousId
  const logged = s.device ? run.loggedIn.has(s.device.anonymousId) : true
  if (shopper.userId && (logged || source === 'backend')) event.userId = shopper.userId
  run.sim.events.push({
    at: s.t,
    source,
    personKey: shopper.key,
    event,
    ...(device ? { ua: device.ua } : {}),
  })
  s.truth.events++
  return event
}

export function advance(run: ShopperRun, s: Session, minSeconds = 4, maxSeconds = 150): void {
  s.t += Math.round(run.rng.between(minSeconds, maxSeconds) * 1000)
}

export const track = (run: ShopperRun, s: Session, event: string, properties: Record<string, unknown>) =>
  emit(run, s, s.device?.kind === 'app' ? 'ios' : 'web', { type: 'track', event, properties })

/** A page (web) or screen (app) view, and the Product Viewed of a product page. */
export function view(run: ShopperRun, s: Session, page: Page): void {
  if (s.truth.pages > 0) advance(run, s)
  const isApp = s.device?.kind === 'app'
  if (isApp) {
    emit(run, s, 'ios', {
      type: 'screen',
      name: page.name,
      properties: { name: page.name, ...(page.product ? { product_id: page.product.product_id } : {}) },
    })
  } else {
    const search = s.truth.pages === 0 && s.truth.utmSource ? campaignQuery(s.truth) : ''
    const url = `${SHOP_URL}${page.path}${search}`
    s.page = { url, path: page.path, referrer: s.referrer, title: page.title, search }
    emit(run, s, 'web', { type: 'page', name: page.name, properties: { ...s.page } })
    s.referrer = url
  }
  const label = isApp ? page.name : page.path
  if (s.truth.pages === 0) s.truth.landingPage = label
  s.truth.exitPage = label
  s.truth.pages++
  if (page.product) {
    advance(run, s, 1, 3)
    track(run, s, 'Product Viewed', { ...productProps(page.product), currency: 'EUR' })
    s.truth.productViews++
  }
}

/** A member signs in on the session's device (once per device), with an identify. */
export function login(run: ShopperRun, s: Session): void {
  if (!run.shopper.userId || !s.device || run.loggedIn.has(s.device.anonymousId)) return
  advance(run, s)
  run.loggedIn.add(s.device.anonymousId)
  emit(run, s, s.device.source, { type: 'identify', traits: traits(run) })
}
