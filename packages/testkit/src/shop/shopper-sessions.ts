import type { Product } from './catalogue.js'
import {
  categoryPage,
  CHECKOUT_PAGE,
  DAY,
  HOUR,
  pickTrafficSource,
  placeInDay,
  productPage,
  productProps,
  round2,
  sourceOf,
  type Page,
} from './pages.js'
import {
  addToCart,
  cartId,
  cartProducts,
  cartValue,
  checkoutAndOrder,
  recordOrder,
  startCheckout,
} from './shopper-cart.js'
import {
  advance,
  createShopperRun,
  emit,
  login,
  track,
  view,
  weightedProduct,
  type Session,
  type ShopperRun,
  type SimContext,
} from './shopper-events.js'
import type { Device, Shopper } from './shoppers.js'
import type { CartLine, TruthAbandonment, TruthSession } from './types.js'

/** A shopper's sessions over the period: when they come, online or in a shop, and what they do. */

function newSession(run: ShopperRun, device: Device | undefined, channel: TruthSession['channel']): Session {
  const { t } = run
  const truth: TruthSession = {
    personKey: run.shopper.key,
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

/** Closes a session: bounce, and the cart's fate (abandoned, or left at checkout). */
function endSession(run: ShopperRun, s: Session): void {
  const { sim } = run
  const st = s.truth
  st.end = s.t
  st.bounced =
    st.channel !== 'store' && st.pages === 1 && !st.added && !st.checkoutStarted && st.orderIds.length === 0
  if (run.cart.size > 0 && s.firstAddSinceOrder) {
    // The cart holds items and no order followed. A checkout after its last change suppresses
    // the abandonment (the rule: no checkout or order within the window).
    if (s.checkoutSinceCartChange) sim.truth.leftAtCheckout.push(s.firstAddSinceOrder)
    else {
      const abandonment: TruthAbandonment = {
        personKey: run.shopper.key,
        cartId: cartId(run),
        lastActivity: s.t,
        items: cartProducts(run),
        value: cartValue(run),
        triggerMessageId: s.firstAddSinceOrder,
      }
      sim.truth.abandonments.push(abandonment)
    }
    // Some come back within days to finish the purchase (left at checkout or not).
    if (run.rng.chance(0.35)) run.recoverNext = true
  }
  sim.truth.sessions.push(st)
  run.lastEnd = s.t
}

/** A purchase in a shop with the loyalty card, sent by the backend (the POS). */
function storeVisit(run: ShopperRun): void {
  const { rng, shopper } = run
  const s = newSession(run, undefined, 'store')
  const items: CartLine[] = []
  const n = rng.int(1, 3)
  for (let i = 0; i < n; i++) {
    const p = weightedProduct(run)
    if (!items.some((l) => l.product_id === p.product_id)) items.push({ ...productProps(p), quantity: 1 })
  }
  items.sort((a, b) => (a.product_id < b.product_id ? -1 : 1))
  const revenue = round2(items.reduce((sum, l) => sum + l.price * l.quantity, 0))
  const e = emit(run, s, 'backend', {
    type: 'track',
    event: 'Order Completed',
    properties: {
      order_id: `o-${shopper.key.slice(8)}-${run.orderSeq + 1}`,
      affiliation: 'Boutique Paris Marais',
      store_id: 'paris-marais',
      loyalty_card: shopper.loyaltyCard,
      revenue,
      total: revenue,
      currency: 'EUR',
      products: items.map((l, i) => ({ ...l, position: i + 1 })),
    },
  })
  recordOrder(run, s, e, items, revenue)
  endSession(run, s)
}

/** Where the session comes from (web): a traffic source, or the cart reminder when recovering. */
function arrive(run: ShopperRun, s: Session, recovering: boolean): void {
  const src = recovering
    ? { referrer: '', utm: { source: 'newsletter', medium: 'email', campaign: 'cart_reminder' } }
    : pickTrafficSource(run.rng, run.t)
  s.referrer = src.referrer
  s.truth.referrer = src.referrer
  if (src.utm) {
    s.truth.utmSource = src.utm.source
    s.truth.utmMedium = src.utm.medium
    s.truth.utmCampaign = src.utm.campaign
  }
  s.truth.source = sourceOf(src.referrer, src.utm?.source ?? '')
}

/** A consent change, once, at the first session on or after the shopper's consentChangeAt. */
function maybeChangeConsent(run: ShopperRun, s: Session): void {
  const { shopper } = run
  if (shopper.consentChangeAt === undefined || run.consentChanged || run.t < shopper.consentChangeAt) return
  run.consentChanged = true
  const marketing = run.consent.categories.includes('marketing')
  run.consent = {
    categories: marketing ? ['necessary', 'analytics'] : ['necessary', 'analytics', 'marketing'],
    policyVersion: '2025-06',
  }
  advance(run, s)
  track(run, s, 'Consent Updated', { ...run.consent })
}

/** Adds, a removal, or a return to an earlier cart; whether the shopper then wants to buy. */
function fillCart(run: ShopperRun, s: Session, recovering: boolean, viewed: Product[]): boolean {
  const { rng, shopper, cart } = run
  if (recovering) {
    advance(run, s)
    track(run, s, 'Cart Viewed', { cart_id: cartId(run), products: cartProducts(run) })
    if (rng.chance(0.4)) addToCart(run, s, weightedProduct(run))
    return rng.chance(0.8)
  }
  if (rng.chance(shopper.addProbability)) {
    const adds = rng.int(1, 3)
    for (let i = 0; i < adds; i++)
      addToCart(run, s, viewed.length > 0 ? rng.pick(viewed) : weightedProduct(run))
    const added = [...cart.keys()]
    if (rng.chance(0.12) && added.length > 0) {
      const line = cart.get(rng.pick(added))
      if (line) {
        advance(run, s)
        cart.delete(line.product_id)
        track(run, s, 'Product Removed', { cart_id: cartId(run), ...line })
        s.checkoutSinceCartChange = false
      }
    }
    return rng.chance(shopper.buyProbability)
  }
  // Back for a cart left earlier, without adding anything.
  if (cart.size > 0 && rng.chance(0.1)) return rng.chance(shopper.buyProbability)
  return false
}

/** A visit on one of the shopper's devices: landing, browsing, cart, maybe checkout and order. */
function onlineSession(run: ShopperRun): void {
  const { rng, shopper } = run
  const device = rng.pick(shopper.devices)
  const isApp = device.kind === 'app'
  const s = newSession(run, device, isApp ? 'app' : 'web')
  const recovering = run.recoverNext && run.cart.size > 0
  run.recoverNext = false
  if (!isApp) arrive(run, s, recovering)
  // Landing.
  const landingProduct = rng.chance(0.45) ? weightedProduct(run) : undefined
  const landing: Page = recovering
    ? { path: '/cart', name: 'Cart', title: 'Panier' }
    : landingProduct
      ? productPage(landingProduct)
      : rng.chance(0.6)
        ? { path: '/', name: 'Home', title: 'Sillage' }
        : categoryPage(weightedProduct(run).category)
  view(run, s, landing)
  maybeChangeConsent(run, s)
  // A member signs in on a device's first visit (so that identity can stitch every device),
  // and stays signed in there.
  if (shopper.member) login(run, s)
  if (!recovering && rng.chance(isApp ? 0.15 : 0.3)) return endSession(run, s)

  // Browsing.
  const viewed: Product[] = landingProduct ? [landingProduct] : []
  const pages = recovering ? 0 : 1 + Math.min(rng.geometric(0.3), 10)
  for (let i = 0; i < pages; i++) {
    const r = rng.next()
    if (r < 0.6) {
      const p = weightedProduct(run)
      viewed.push(p)
      view(run, s, productPage(p))
    } else if (r < 0.85) view(run, s, categoryPage(weightedProduct(run).category))
    else view(run, s, { path: '/search', name: 'Search', title: 'Recherche' })
  }

  const wantsToBuy = fillCart(run, s, recovering, viewed)
  if (run.cart.size > 0) {
    if (wantsToBuy) {
      checkoutAndOrder(run, s, rng.chance(0.1), s.truth.utmSource === 'newsletter' && rng.chance(0.5))
    } else if (s.firstAddSinceOrder && rng.chance(0.35)) {
      view(run, s, CHECKOUT_PAGE)
      advance(run, s)
      startCheckout(run, s)
    }
  }
  endSession(run, s)
}

/** Every session of one shopper, from activeFrom until churn or the period's end. */
export function simulateShopper(sim: SimContext, shopper: Shopper): void {
  const run = createShopperRun(sim, shopper)
  const { rng } = run
  for (;;) {
    const meanGapDays = 7 / shopper.visitsPerWeek
    const gap = run.recoverNext ? rng.between(0.2, 3) * DAY : rng.exponential(meanGapDays) * DAY
    run.t = Math.max(run.t + gap, run.lastEnd + 3 * HOUR)
    run.t = placeInDay(rng, run.t)
    if (run.t >= sim.end - 6 * HOUR || (run.t >= shopper.activeUntil && !run.recoverNext)) break
    if (shopper.loyaltyCard && rng.chance(shopper.storeShare)) storeVisit(run)
    else onlineSession(run)
    run.t = run.lastEnd
  }
}
