import type { Shop } from './simulate.js'
import { round2 } from './truth-common.js'
import type { GeneratedEvent } from './types.js'

// product_performance's ground truth.

export interface ProductTruth {
  productId: string
  views: number
  viewers: number
  adds: number
  purchases: number
  units: number
  revenue: number
  /** Visits (sessions) with a Product Added of the product. */
  addVisits: number
  /** Those in which an order holding the product was placed. */
  purchasedAddVisits: number
}

const trackOf = (g: GeneratedEvent, name: string) => g.event.type === 'track' && g.event.event === name

/** product_performance: views and adds from the events, purchases from the orders. */
export function productPerformance(shop: Shop): Map<string, ProductTruth> {
  const out = new Map<string, ProductTruth & { viewerSet: Set<string> }>()
  const get = (id: string) => {
    let p = out.get(id)
    if (!p) {
      p = {
        productId: id,
        views: 0,
        viewers: 0,
        adds: 0,
        purchases: 0,
        units: 0,
        revenue: 0,
        addVisits: 0,
        purchasedAddVisits: 0,
        viewerSet: new Set(),
      }
      out.set(id, p)
    }
    return p
  }
  for (const g of shop.events) {
    const id = String(g.event.properties?.['product_id'] ?? '')
    if (!id) continue
    if (trackOf(g, 'Product Viewed')) {
      const p = get(id)
      p.views++
      p.viewerSet.add(g.personKey)
    } else if (trackOf(g, 'Product Added')) get(id).adds++
  }
  for (const o of shop.truth.orders) {
    for (const l of o.items) {
      const p = get(l.product_id)
      p.purchases++
      p.units += l.quantity
      p.revenue += round2(l.price * l.quantity)
    }
  }
  // Per visit: the session of each add (the person's last session started at or before it).
  const sessionsOf = new Map<string, number[]>()
  shop.truth.sessions.forEach((t, i) =>
    sessionsOf.set(t.personKey, [...(sessionsOf.get(t.personKey) ?? []), i]),
  )
  const sessionAt = (personKey: string, at: number) => {
    let found = -1
    for (const i of sessionsOf.get(personKey) ?? []) if (shop.truth.sessions[i]!.start <= at) found = i
    return found
  }
  const bought = new Set<string>()
  for (const o of shop.truth.orders) for (const l of o.items) bought.add(`${l.product_id}|${o.session}`)
  const addVisits = new Set<string>()
  for (const g of shop.events) {
    const id = String(g.event.properties?.['product_id'] ?? '')
    if (id && trackOf(g, 'Product Added')) addVisits.add(`${id}|${sessionAt(g.personKey, g.at)}`)
  }
  for (const key of addVisits) {
    const p = get(key.split('|')[0]!)
    p.addVisits++
    if (bought.has(key)) p.purchasedAddVisits++
  }
  const result = new Map<string, ProductTruth>()
  for (const [id, { viewerSet, ...p }] of out)
    result.set(id, { ...p, viewers: viewerSet.size, revenue: round2(p.revenue) })
  return result
}
