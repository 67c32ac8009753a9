import type { Product } from './catalogue.js'
import { CHECKOUT_PAGE, CONFIRMATION_PAGE, MINUTE, productProps, round2 } from './pages.js'
import { advance, emit, login, track, view, type Session, type ShopperRun } from './shopper-events.js'
import type { CartLine, ShopEvent, TruthOrder } from './types.js'

/** A shopper's cart: adds, checkout, orders, and the order ground truth they record. */

export const cartId = (run: ShopperRun) => `cart-${run.shopper.key.slice(8)}-${run.cartSeq}`

export const cartProducts = (run: ShopperRun): CartLine[] =>
  [...run.cart.values()].sort((a, b) => (a.product_id < b.product_id ? -1 : 1)).map((l) => ({ ...l }))

export const cartValue = (run: ShopperRun): number =>
  round2([...run.cart.values()].reduce((sum, l) => sum + l.price * l.quantity, 0))

export function addToCart(run: ShopperRun, s: Session, product: Product): void {
  advance(run, s)
  const quantity = run.rng.chance(0.8) ? 1 : 2
  const line = run.cart.get(product.product_id)
  if (line) line.quantity += quantity
  else run.cart.set(product.product_id, { ...productProps(product), quantity })
  const e = track(run, s, 'Product Added', { cart_id: cartId(run), ...productProps(product), quantity })
  s.truth.added = true
  s.firstAddSinceOrder ??= e.messageId
  s.checkoutSinceCartChange = false
}

/** A Checkout Started over the cart as it is. */
export function startCheckout(run: ShopperRun, s: Session, items: CartLine[] = cartProducts(run)): void {
  track(run, s, 'Checkout Started', {
    cart_id: cartId(run),
    value: cartValue(run),
    currency: 'EUR',
    products: items,
  })
  s.truth.checkoutStarted = true
  s.checkoutSinceCartChange = true
}

/** Records an order in the ground truth and empties the cart; the third one promotes a member. */
export function recordOrder(
  run: ShopperRun,
  s: Session,
  e: ShopEvent,
  items: CartLine[],
  revenue: number,
): void {
  const { sim, shopper } = run
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
  run.orderSeq++
  run.cart.clear()
  run.cartSeq++
  if (shopper.userId && run.orderSeq === 3) {
    // The backend promotes the customer and says so.
    advance(run, s, 2, 5)
    emit(run, s, 'backend', { type: 'identify', traits: { tier: 'gold' } })
  }
}

/** Checkout, sign-in (or a guest's email), and the order, confirmed by the app, the backend or the page. */
export function checkoutAndOrder(run: ShopperRun, s: Session, late: boolean, coupon: boolean): void {
  const { rng, shopper } = run
  view(run, s, CHECKOUT_PAGE)
  login(run, s)
  if (!shopper.member && !run.guestIdentified && s.device) {
    advance(run, s)
    run.guestIdentified = true
    emit(run, s, s.device.source, { type: 'identify', traits: { email: shopper.email } })
  }
  advance(run, s)
  const items = cartProducts(run)
  startCheckout(run, s, items)
  // A late order: with the confirmation page's own step, the pause stays under 28 minutes.
  if (late) s.t += Math.round(rng.between(20, 25) * MINUTE)
  else advance(run, s, 30, 150)
  const subtotal = cartValue(run)
  const discount = coupon ? round2(subtotal * 0.1) : 0
  const revenue = round2(subtotal - discount)
  const shipping = subtotal >= 60 ? 0 : 4.9
  const orderId = `o-${shopper.key.slice(8)}-${run.orderSeq + 1}`
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
    e = track(run, s, 'Order Completed', properties)
    view(run, s, CONFIRMATION_PAGE)
  } else if (rng.chance(0.5)) {
    // The backend confirms the order; the browser then shows the confirmation page.
    e = emit(run, s, 'backend', { type: 'track', event: 'Order Completed', properties })
    view(run, s, CONFIRMATION_PAGE)
  } else {
    view(run, s, CONFIRMATION_PAGE)
    advance(run, s, 1, 3)
    e = track(run, s, 'Order Completed', properties)
  }
  if (late) run.sim.truth.lateOrders.push(orderId)
  recordOrder(run, s, e, items, revenue)
}
