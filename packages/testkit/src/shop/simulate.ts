import { rngFor, type Rng } from '../prng.js'
import { createCatalogue, type Product } from './catalogue.js'
import { createShoppers, type Device, type Shopper } from './shoppers.js'
import type {
  CartLine,
  GeneratedEvent,
  ShopEvent,
  ShopTruth,
  SourceName,
  TruthAbandonment,
  TruthOrder,
  TruthSession,
} from './types.js'

/**
 * A deterministic shop: shoppers visit over `days` days (web, app, shops), browse, fill carts,
 * order or leave. Every run with the same options yields the same events, and the ground truth
 * (sessions, orders, abandoned carts) is recorded as the simulation decides it, not recomputed
 * from the events, so that the warehouse models can be checked against it.
 *
 * Guarantees the ground truth relies on:
 * - within a session, events are 4 s to 150 s apart, except one pause of 20–28 minutes before
 *   some orders (so they arrive "later, within the window");
 * - a shopper's sessions are at least 3 hours apart, and run between 07:00 and 23:00 UTC, so no
 *   session crosses midnight; the last ends at least 3 hours before `end`.
 * Any inactivity window between 29 minutes and 3 hours therefore gives the same sessions and the
 * same abandoned carts.
 */
export interface ShopOptions {
  seed: number
  shoppers: number
  /** Length of the simulated period. */
  days: number
  /** Exclusive end of the period (a UTC midnight). Default 2026-01-01. */
  end?: Date | string | number
}

export interface Shop {
  seed: number
  start: number
  end: number
  catalogue: Product[]
  shoppers: Shopper[]
  /** Sorted by time. */
  events: GeneratedEvent[]
  truth: ShopTruth
}

export const SHOP_URL = 'https://shop.sillage.example'
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const round2 = (x: number) => Math.round(x * 100) / 100

interface Page {
  path: string
  name: string
  title: string
  product?: Product
}

interface TrafficSource {
  referrer: string
  utm?: { source: string; medium: string; campaign: string }
}

function pickTrafficSource(rng: Rng, at: number): TrafficSource {
  const month = new Date(at).toISOString().slice(0, 7).replace('-', '_')
  return rng.weighted<TrafficSource>([
    [{ referrer: '' }, 30],
    [{ referrer: 'https://www.google.com/' }, 25],
    [{ referrer: 'https://l.instagram.com/' }, 6],
    [{ referrer: '', utm: { source: 'newsletter', medium: 'email', campaign: `nl_${month}` } }, 16],
    [
      {
        referrer: 'https://l.facebook.com/',
        utm: {
          source: 'facebook',
          medium: 'paid_social',
          campaign: rng.pick(['retargeting', 'prospecting']),
        },
      },
      12,
    ],
    [
      {
        referrer: 'https://www.awin1.com/',
        utm: { source: 'awin', medium: 'affiliate', campaign: 'cashback' },
      },
      6,
    ],
  ])
}

/** What the sessions model calls the session's source. */
export function sourceOf(referrer: string, utmSource: string): string {
  if (utmSource) return utmSource
  if (!referrer) return '(direct)'
  const host = new URL(referrer).hostname.replace(/^www\./, '')
  return host === new URL(SHOP_URL).hostname ? '(direct)' : host
}

export function generateShop(options: ShopOptions): Shop {
  const end = new Date(options.end ?? '2026-01-01T00:00:00Z').getTime()
  const start = end - options.days * DAY
  const catalogue = createCatalogue(rngFor(options.seed, 'catalogue'))
  const shoppers = createShoppers(options.seed, options.shoppers, start, end)
  const events: GeneratedEvent[] = []
  const truth: ShopTruth = { sessions: [], orders: [], abandonments: [], lateOrders: [], leftAtCheckout: [] }
  for (const shopper of shoppers) {
    simulateShopper(
      { rng: rngFor(options.seed, `visits:${shopper.index}`), catalogue, end, events, truth },
      shopper,
    )
  }
  events.sort((a, b) => a.at - b.at || (a.event.messageId < b.event.messageId ? -1 : 1))
  // Orders and sessions in time order; orders keep pointing at their session.
  const order = truth.sessions
    .map((_, i) => i)
    .sort((a, b) => truth.sessions[a]!.start - truth.sessions[b]!.start)
  const newIndex = new Map(order.map((old, i) => [old, i]))
  truth.sessions = order.map((i) => truth.sessions[i]!)
  for (const o of truth.orders) o.session = newIndex.get(o.session) ?? -1
  truth.orders.sort((a, b) => a.at - b.at)
  truth.abandonments.sort((a, b) => a.lastActivity - b.lastActivity)
  return { seed: options.seed, start, end, catalogue, shoppers, events, truth }
}

interface SimContext {
  rng: Rng
  catalogue: Product[]
  end: number
  events: GeneratedEvent[]
  truth: ShopTruth
}

/** One session in progress. */
interface Session {
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

function simulateShopper(sim: SimContext, shopper: Shopper): void {
  const { rng, catalogue } = sim
  let seq = 0
  let t = shopper.activeFrom
  let lastEnd = -Infinity
  const cart = new Map<string, CartLine>()
  let cartSeq = 1
  let orderSeq = 0
  let recoverNext = false
  let consent = shopper.consent
  let consentChanged = false
  const loggedIn = new Set<string>()
  let guestIdentified = false

  const weightedProduct = () => rng.weighted(catalogue.map((p) => [p, p.weight] as const))
  const traits = (): Record<string, unknown> => ({
    email: shopper.email,
    first_name: shopper.firstName,
    city: shopper.city,
    country: shopper.country,
    tier: orderSeq >= 3 ? 'gold' : 'standard',
    ...(shopper.phone ? { phone: shopper.phone } : {}),
    ...(shopper.loyaltyCard ? { loyalty_card: shopper.loyaltyCard } : {}),
  })

  /** Appends one event at the session's clock. */
  const emit = (s: Session, source: SourceName, fields: Partial<ShopEvent>): ShopEvent => {
    const device = source === 'backend' ? undefined : s.device
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
      context['consent'] = consent
    }
    const event: ShopEvent = {
      type: 'track',
      ...fields,
      messageId: `m-${shopper.key.slice(8)}-${String(seq++).padStart(5, '0')}`,
      timestamp: new Date(s.t).toISOString(),
      context,
    }
    if (device) event.anonymousId = device.anonymousId
    else if (s.device && source === 'backend') event.anonymousId = s.device.anonymousId
    const logged = s.device ? loggedIn.has(s.device.anonymousId) : true
    if (shopper.userId && (logged || source === 'backend')) event.userId = shopper.userId
    sim.events.push({
      at: s.t,
      source,
      personKey: shopper.key,
      event,
      ...(device ? { ua: device.ua } : {}),
    })
    s.truth.events++
    return event
  }
  const advance = (s: Session, minSeconds = 4, maxSeconds = 150) => {
    s.t += Math.round(rng.between(minSeconds, maxSeconds) * 1000)
  }

  const view = (s: Session, page: Page) => {
    if (s.truth.pages > 0) advance(s)
    const isApp = s.device?.kind === 'app'
    if (isApp) {
      emit(s, 'ios', {
        type: 'screen',
        name: page.name,
        properties: { name: page.name, ...(page.product ? { product_id: page.product.product_id } : {}) },
      })
    } else {
      const search = s.truth.pages === 0 && s.truth.utmSource ? campaignQuery(s.truth) : ''
      const url = `${SHOP_URL}${page.path}${search}`
      s.page = { url, path: page.path, referrer: s.referrer, title: page.title, search }
      emit(s, 'web', { type: 'page', name: page.name, properties: { ...s.page } })
      s.referrer = url
    }
    const label = isApp ? page.name : page.path
    if (s.truth.pages === 0) s.truth.landingPage = label
    s.truth.exitPage = label
    s.truth.pages++
    if (page.product) {
      advance(s, 1, 3)
      track(s, 'Product Viewed', { ...productProps(page.product), currency: 'EUR' })
      s.truth.productViews++
    }
  }
  const track = (s: Session, event: string, properties: Record<string, unknown>) =>
    emit(s, s.device?.kind === 'app' ? 'ios' : 'web', { type: 'track', event, properties })

  const login = (s: Session) => {
    if (!shopper.userId || !s.device || loggedIn.has(s.device.anonymousId)) return
    advance(s)
    loggedIn.add(s.device.anonymousId)
    emit(s, s.device.source, { type: 'identify', traits: traits() })
  }

  const addToCart = (s: Session, product: Product) => {
    advance(s)
    const quantity = rng.chance(0.8) ? 1 : 2
    const line = cart.get(product.product_id)
    if (line) line.quantity += quantity
    else cart.set(product.product_id, { ...productProps(product), quantity })
    const e = track(s, 'Product Added', { cart_id: cartId(), ...productProps(product), quantity })
    s.truth.added = true
    s.firstAddSinceOrder ??= e.messageId
    s.checkoutSinceCartChange = false
  }
  const cartId = () => `cart-${shopper.key.slice(8)}-${cartSeq}`
  const cartProducts = () =>
    [...cart.values()].sort((a, b) => (a.product_id < b.product_id ? -1 : 1)).map((l) => ({ ...l }))
  const cartValue = () => round2([...cart.values()].reduce((sum, l) => sum + l.price * l.quantity, 0))

  const closeCart = () => {
    cart.clear()
    cartSeq++
  }

  const recordOrder = (s: Session, e: ShopEvent, items: CartLine[], revenue: number) => {
    const order: TruthOrder = {
      orderId: String(e.properties?.['order_id']),
      personKey: shopper.key,
      at: s.t,
      revenue,
      channel: s.truth.channel,
      session: sim.truth.sessions.length,
      items,
      messageId: e.messageId,
    }
    sim.truth.orders.push(order)
    s.truth.orderIds.push(order.orderId)
    s.truth.revenue = round2(s.truth.revenue + revenue)
    s.firstAddSinceOrder = undefined
    s.checkoutSinceCartChange = false
    orderSeq++
    closeCart()
    if (shopper.userId && orderSeq === 3) {
      // The backend promotes the customer and says so.
      advance(s, 2, 5)
      emit(s, 'backend', { type: 'identify', traits: { tier: 'gold' } })
    }
  }

  const checkoutAndOrder = (s: Session, late: boolean, coupon: boolean) => {
    view(s, { path: '/checkout', name: 'Checkout', title: 'Paiement' })
    login(s)
    if (!shopper.member && !guestIdentified && s.device) {
      advance(s)
      guestIdentified = true
      emit(s, s.device.source, { type: 'identify', traits: { email: shopper.email } })
    }
    advance(s)
    const items = cartProducts()
    track(s, 'Checkout Started', { cart_id: cartId(), value: cartValue(), currency: 'EUR', products: items })
    s.truth.checkoutStarted = true
    s.checkoutSinceCartChange = true
    // A late order: with the confirmation page's own step, the pause stays under 28 minutes.
    if (late) s.t += Math.round(rng.between(20, 25) * MINUTE)
    else advance(s, 30, 150)
    const subtotal = cartValue()
    const discount = coupon ? round2(subtotal * 0.1) : 0
    const revenue = round2(subtotal - discount)
    const shipping = subtotal >= 60 ? 0 : 4.9
    const orderId = `o-${shopper.key.slice(8)}-${orderSeq + 1}`
    const properties = {
      order_id: orderId,
      affiliation: s.device?.kind === 'app' ? 'Sillage iOS' : 'Sillage web',
      subtotal,
      discount,
      ...(coupon ? { coupon: 'NEWSLETTER10' } : {}),
      revenue,
      shipping,
      tax: round2((revenue * 0.2) / 1.2),
      total: round2(revenue + shipping),
      currency: 'EUR',
      products: items.map((l, i) => ({ ...l, position: i + 1 })),
    }
    let e: ShopEvent
    if (s.device?.kind === 'app') {
      e = track(s, 'Order Completed', properties)
      view(s, { path: '/checkout/confirmation', name: 'Order Confirmation', title: 'Merci' })
    } else if (rng.chance(0.5)) {
      // The backend confirms the order; the browser then shows the confirmation page.
      e = emit(s, 'backend', { type: 'track', event: 'Order Completed', properties })
      view(s, { path: '/checkout/confirmation', name: 'Order Confirmation', title: 'Merci' })
    } else {
      view(s, { path: '/checkout/confirmation', name: 'Order Confirmation', title: 'Merci' })
      advance(s, 1, 3)
      e = track(s, 'Order Completed', properties)
    }
    if (late) sim.truth.lateOrders.push(orderId)
    recordOrder(s, e, items, revenue)
  }

  const newSession = (device: Device | undefined, channel: TruthSession['channel']): Session => {
    const truth: TruthSession = {
      personKey: shopper.key,
      channel,
      sessionId: '',
      start: t,
      end: t,
      events: 0,
      pages: 0,
      productViews: 0,
      landingPage: '',
      exitPage: '',
      referrer: '',
      utmSource: '',
      utmMedium: '',
      utmCampaign: '',
      source: channel === 'store' ? '(store)' : '(direct)',
      deviceType: device?.ua.deviceType ?? '',
      added: false,
      checkoutStarted: false,
      orderIds: [],
      revenue: 0,
      bounced: false,
    }
    const sid = device && device.kind !== 'app' ? t : undefined
    if (sid !== undefined) truth.sessionId = String(sid)
    return {
      device,
      sid,
      t,
      truth,
      referrer: '',
      page: undefined,
      firstAddSinceOrder: undefined,
      checkoutSinceCartChange: false,
    }
  }

  const endSession = (s: Session) => {
    const st = s.truth
    st.end = s.t
    st.bounced =
      st.channel !== 'store' && st.pages === 1 && !st.added && !st.checkoutStarted && st.orderIds.length === 0
    if (cart.size > 0 && s.firstAddSinceOrder) {
      // The cart holds items and no order followed. A checkout after its last change suppresses
      // the abandonment (the rule: no checkout or order within the window).
      if (s.checkoutSinceCartChange) sim.truth.leftAtCheckout.push(s.firstAddSinceOrder)
      else {
        const abandonment: TruthAbandonment = {
          personKey: shopper.key,
          cartId: cartId(),
          lastActivity: s.t,
          items: cartProducts(),
          value: cartValue(),
          triggerMessageId: s.firstAddSinceOrder,
        }
        sim.truth.abandonments.push(abandonment)
      }
      // Some come back within days to finish the purchase (left at checkout or not).
      if (rng.chance(0.35)) recoverNext = true
    }
    sim.truth.sessions.push(st)
    lastEnd = s.t
  }

  const storeVisit = () => {
    const s = newSession(undefined, 'store')
    const items: CartLine[] = []
    const n = rng.int(1, 3)
    for (let i = 0; i < n; i++) {
      const p = weightedProduct()
      if (!items.some((l) => l.product_id === p.product_id)) items.push({ ...productProps(p), quantity: 1 })
    }
    items.sort((a, b) => (a.product_id < b.product_id ? -1 : 1))
    const revenue = round2(items.reduce((sum, l) => sum + l.price * l.quantity, 0))
    const e = emit(s, 'backend', {
      type: 'track',
      event: 'Order Completed',
      properties: {
        order_id: `o-${shopper.key.slice(8)}-${orderSeq + 1}`,
        affiliation: 'Boutique Paris Marais',
        store_id: 'paris-marais',
        loyalty_card: shopper.loyaltyCard,
        revenue,
        total: revenue,
        currency: 'EUR',
        products: items.map((l, i) => ({ ...l, position: i + 1 })),
      },
    })
    recordOrder(s, e, items, revenue)
    endSession(s)
  }

  const onlineSession = () => {
    const device = rng.pick(shopper.devices)
    const isApp = device.kind === 'app'
    const s = newSession(device, isApp ? 'app' : 'web')
    const recovering = recoverNext && cart.size > 0
    recoverNext = false
    if (!isApp) {
      const src = recovering
        ? { referrer: '', utm: { source: 'newsletter', medium: 'email', campaign: 'cart_reminder' } }
        : pickTrafficSource(rng, t)
      s.referrer = src.referrer
      s.truth.referrer = src.referrer
      if (src.utm) {
        s.truth.utmSource = src.utm.source
        s.truth.utmMedium = src.utm.medium
        s.truth.utmCampaign = src.utm.campaign
      }
      s.truth.source = sourceOf(src.referrer, src.utm?.source ?? '')
    }
    // Landing.
    const landingProduct = rng.chance(0.45) ? weightedProduct() : undefined
    const landing: Page = recovering
      ? { path: '/cart', name: 'Cart', title: 'Panier' }
      : landingProduct
        ? productPage(landingProduct)
        : rng.chance(0.6)
          ? { path: '/', name: 'Home', title: 'Sillage' }
          : categoryPage(weightedProduct().category)
    view(s, landing)
    if (shopper.consentChangeAt !== undefined && !consentChanged && t >= shopper.consentChangeAt) {
      consentChanged = true
      const marketing = consent.categories.includes('marketing')
      consent = {
        categories: marketing ? ['necessary', 'analytics'] : ['necessary', 'analytics', 'marketing'],
        policyVersion: '2025-06',
      }
      advance(s)
      track(s, 'Consent Updated', { ...consent })
    }
    // A member signs in on a device's first visit (so that identity can stitch every device),
    // and stays signed in there.
    if (shopper.member) login(s)
    if (!recovering && rng.chance(isApp ? 0.15 : 0.3)) return endSession(s)

    // Browsing.
    const viewed: Product[] = landingProduct ? [landingProduct] : []
    const pages = recovering ? 0 : 1 + Math.min(rng.geometric(0.3), 10)
    for (let i = 0; i < pages; i++) {
      const r = rng.next()
      if (r < 0.6) {
        const p = weightedProduct()
        viewed.push(p)
        view(s, productPage(p))
      } else if (r < 0.85) view(s, categoryPage(weightedProduct().category))
      else view(s, { path: '/search', name: 'Search', title: 'Recherche' })
    }

    // Cart.
    let wantsToBuy = false
    if (recovering) {
      advance(s)
      track(s, 'Cart Viewed', { cart_id: cartId(), products: cartProducts() })
      if (rng.chance(0.4)) addToCart(s, weightedProduct())
      wantsToBuy = rng.chance(0.8)
    } else if (rng.chance(shopper.addProbability)) {
      const adds = rng.int(1, 3)
      for (let i = 0; i < adds; i++) addToCart(s, viewed.length > 0 ? rng.pick(viewed) : weightedProduct())
      const added = [...cart.keys()]
      if (rng.chance(0.12) && added.length > 0) {
        const line = cart.get(rng.pick(added))
        if (line) {
          advance(s)
          cart.delete(line.product_id)
          track(s, 'Product Removed', { cart_id: cartId(), ...line })
          s.checkoutSinceCartChange = false
        }
      }
      wantsToBuy = rng.chance(shopper.buyProbability)
    } else if (cart.size > 0 && rng.chance(0.1)) {
      // Back for a cart left earlier, without adding anything.
      wantsToBuy = rng.chance(shopper.buyProbability)
    }
    if (cart.size > 0) {
      if (wantsToBuy) {
        checkoutAndOrder(s, rng.chance(0.1), s.truth.utmSource === 'newsletter' && rng.chance(0.5))
      } else if (s.firstAddSinceOrder && rng.chance(0.35)) {
        view(s, { path: '/checkout', name: 'Checkout', title: 'Paiement' })
        advance(s)
        track(s, 'Checkout Started', {
          cart_id: cartId(),
          value: cartValue(),
          currency: 'EUR',
          products: cartProducts(),
        })
        s.truth.checkoutStarted = true
        s.checkoutSinceCartChange = true
      }
    }
    endSession(s)
  }

  for (;;) {
    const meanGapDays = 7 / shopper.visitsPerWeek
    const gap = recoverNext ? rng.between(0.2, 3) * DAY : rng.exponential(meanGapDays) * DAY
    t = Math.max(t + gap, lastEnd + 3 * HOUR)
    t = placeInDay(rng, t)
    if (t >= sim.end - 6 * HOUR || (t >= shopper.activeUntil && !recoverNext)) break
    if (shopper.loyaltyCard && rng.chance(shopper.storeShare)) storeVisit()
    else onlineSession()
    t = lastEnd
  }
}

/** Moves `t` into the day's shopping hours, 07:00–21:00 UTC (the next day's if past them). */
function placeInDay(rng: Rng, t: number): number {
  const day = Math.floor(t / DAY) * DAY
  const hour = (t - day) / HOUR
  if (hour >= 7 && hour < 21) return Math.round(t)
  const next = hour < 7 ? day : day + DAY
  return Math.round(next + 7 * HOUR + rng.next() * 14 * HOUR)
}

function campaignQuery(s: TruthSession): string {
  const q = new URLSearchParams({
    utm_source: s.utmSource,
    utm_medium: s.utmMedium,
    utm_campaign: s.utmCampaign,
  })
  return `?${q.toString()}`
}

function productPage(p: Product): Page {
  return { path: `/p/${p.product_id}`, name: 'Product', title: p.name, product: p }
}

function categoryPage(category: string): Page {
  return { path: `/c/${category.toLowerCase()}`, name: 'Category', title: category }
}

function productProps(p: Product): Omit<CartLine, 'quantity'> {
  return {
    product_id: p.product_id,
    sku: p.sku,
    name: p.name,
    category: p.category,
    brand: p.brand,
    price: p.price,
  }
}
