import type { Shop } from './simulate.js'
import { dayOf, round2 } from './truth-common.js'

// daily_kpis's ground truth.

export interface KpiTruth {
  day: string
  source: string
  visitors: number
  sessions: number
  bounces: number
  convertedSessions: number
  cartSessions: number
  abandonedCartSessions: number
  orders: number
  revenue: number
  items: number
  newCustomers: number
  returningCustomers: number
}

/** daily_kpis: per (UTC day of the session's start, source), plus source '(all)'. */
export function dailyKpis(shop: Shop): Map<string, KpiTruth> {
  const { sessions, orders } = shop.truth
  const firstOrderDay = new Map<string, string>()
  for (const o of orders) {
    const d = dayOf(o.at)
    const prev = firstOrderDay.get(o.personKey)
    if (prev === undefined || d < prev) firstOrderDay.set(o.personKey, d)
  }
  const byId = new Map(orders.map((o) => [o.orderId, o]))
  const rows = new Map<
    string,
    KpiTruth & { visitorSet: Set<string>; newSet: Set<string>; retSet: Set<string> }
  >()
  const row = (day: string, source: string) => {
    const key = `${day}|${source}`
    let r = rows.get(key)
    if (!r) {
      r = {
        day,
        source,
        visitors: 0,
        sessions: 0,
        bounces: 0,
        convertedSessions: 0,
        cartSessions: 0,
        abandonedCartSessions: 0,
        orders: 0,
        revenue: 0,
        items: 0,
        newCustomers: 0,
        returningCustomers: 0,
        visitorSet: new Set(),
        newSet: new Set(),
        retSet: new Set(),
      }
      rows.set(key, r)
    }
    return r
  }
  for (const s of sessions) {
    const day = dayOf(s.start)
    for (const r of [row(day, s.source), row(day, '(all)')]) {
      if (s.pages > 0) {
        r.visitorSet.add(s.personKey)
        r.sessions++
        if (s.bounced) r.bounces++
        if (s.orderIds.length > 0) r.convertedSessions++
        if (s.added) r.cartSessions++
        if (s.added && s.orderIds.length === 0) r.abandonedCartSessions++
      }
      for (const id of s.orderIds) {
        const o = byId.get(id)
        if (!o) continue
        r.orders++
        r.revenue += o.revenue
        r.items += o.items.reduce((n, l) => n + l.quantity, 0)
        const first = firstOrderDay.get(o.personKey) ?? day
        if (first === day) r.newSet.add(o.personKey)
        else if (first < day) r.retSet.add(o.personKey)
      }
    }
  }
  const out = new Map<string, KpiTruth>()
  for (const [key, r] of rows) {
    const { visitorSet, newSet, retSet, ...rest } = r
    out.set(key, {
      ...rest,
      visitors: visitorSet.size,
      revenue: round2(rest.revenue),
      newCustomers: newSet.size,
      returningCustomers: retSet.size,
    })
  }
  return out
}
