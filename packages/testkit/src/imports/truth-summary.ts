import type { ImportScenarioTruth, ScenarioOrder } from './import-types.js'

const DAY = 86_400_000

/** Store days, cross-channel buyers and ROBO orders, computed from the orders as generated. */
export function summariseTruth(
  orders: readonly ScenarioOrder[],
  receiptRows: ReadonlyArray<Record<string, unknown>>,
  views: ReadonlyArray<{ personKey: string; productId: string; at: number }>,
): Pick<
  ImportScenarioTruth,
  'storeDays' | 'crossChannelBuyers' | 'webAndStoreBuyers' | 'roboOrders' | 'roboBuyers'
> {
  const iso = (ms: number) => new Date(ms).toISOString()
  const storeDays: Record<string, { orders: number; cents: number }> = {}
  for (const o of orders.filter((o) => o.channel === 'store')) {
    const k = `${iso(o.at).slice(0, 10)}|${o.storeId}`
    const cur = (storeDays[k] ??= { orders: 0, cents: 0 })
    cur.orders++
    cur.cents += o.totalCents
  }
  const channelsOf = new Map<string, Set<string>>()
  for (const o of orders) {
    if (o.personKey.startsWith('receipt:')) continue
    channelsOf.set(o.personKey, (channelsOf.get(o.personKey) ?? new Set()).add(o.channel))
  }
  const robo = orders.filter(
    (o) =>
      o.channel === 'store' &&
      receiptRows.some(
        (r) =>
          `${String(r['store_id'])}:${String(r['receipt_id'])}` === o.orderId &&
          (JSON.parse(String(r['items'])) as Array<{ product_id: string }>).some((l) =>
            views.some(
              (v) =>
                v.personKey === o.personKey &&
                v.productId === l.product_id &&
                v.at <= o.at &&
                v.at >= o.at - 30 * DAY,
            ),
          ),
      ),
  )
  return {
    storeDays,
    crossChannelBuyers: [...channelsOf.values()].filter((c) => c.size > 1).length,
    webAndStoreBuyers: [...channelsOf.values()].filter((c) => c.has('store') && c.has('web')).length,
    roboOrders: robo.length,
    roboBuyers: new Set(robo.map((o) => o.personKey)).size,
  }
}
