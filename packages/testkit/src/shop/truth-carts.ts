import type { Shop } from './simulate.js'
import { DAY } from './truth-common.js'
import type { TruthAbandonment, TruthOrder } from './types.js'

// abandoned_carts's ground truth.

export interface AbandonedCartTruth extends TruthAbandonment {
  abandonedAt: number
  recoveredOrderId: string | undefined
}

/** abandoned_carts: the abandonments, and the person's first order within 7 days after. */
export function abandonedCarts(shop: Shop, windowMinutes = 30): AbandonedCartTruth[] {
  const byPerson = ordersByPerson(shop.truth.orders)
  return shop.truth.abandonments.map((a) => {
    const abandonedAt = a.lastActivity + windowMinutes * 60_000
    const recovered = (byPerson.get(a.personKey) ?? []).find(
      (o) => o.at > abandonedAt && o.at <= abandonedAt + 7 * DAY,
    )
    return { ...a, abandonedAt, recoveredOrderId: recovered?.orderId }
  })
}

function ordersByPerson(orders: readonly TruthOrder[]): Map<string, TruthOrder[]> {
  const m = new Map<string, TruthOrder[]>()
  for (const o of orders) {
    const list = m.get(o.personKey) ?? []
    list.push(o)
    m.set(o.personKey, list)
  }
  for (const list of m.values()) list.sort((a, b) => a.at - b.at)
  return m
}
