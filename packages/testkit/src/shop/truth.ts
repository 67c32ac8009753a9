import type { Shop } from './simulate.js'
import type { Channel, GeneratedEvent, TruthAbandonment, TruthOrder } from './types.js'

/**
 * Ground truth for the analyst models, computed from what the generator decided (its sessions,
 * orders and carts) and from the events it produced, independently of any SQL. Definitions
 * follow docs/analysts.md; each function says which model it answers.
 */

const DAY = 86_400_000
export const round2 = (x: number) => Math.round(x * 100) / 100
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
/** People are identified by their ground-truth key unless the caller maps them (e.g. to person_id). */
export type PersonIdOf = (personKey: string) => string
const identity: PersonIdOf = (k) => k

// ---------------------------------------------------------------------------------- daily_kpis

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

// ------------------------------------------------------------------------- product_performance

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

// ----------------------------------------------------------------------------- abandoned carts

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

// ----------------------------------------------------------------------------------------- RFM

export interface RfmTruth {
  personId: string
  lastOrderAt: number
  frequency: number
  monetary: number
  r: number
  f: number
  m: number
  fm: number
  segment: string
}

/** ntile(n) over `count` rows: the 1-based bucket of the row at `index` (SQL's definition). */
export function ntile(n: number, count: number, index: number): number {
  const small = Math.floor(count / n)
  const large = count % n
  const boundary = large * (small + 1)
  return index < boundary
    ? Math.floor(index / (small + 1)) + 1
    : large + Math.floor((index - boundary) / small) + 1
}

/** The documented score → segment mapping (0024_rfm.sql, docs/analysts.md). */
export function segmentOf(r: number, fm: number): string {
  if (r >= 4 && fm >= 4) return 'champions'
  if (r >= 3 && fm >= 3) return 'loyal'
  if (r >= 4) return 'promising'
  if (r === 3) return 'need_attention'
  if (fm >= 3) return 'at_risk'
  if (r === 2) return 'hibernating'
  return 'dormant'
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** rfm_at(as_of): people with an order before `asOf`, scored by ntile(5) with person_id tie-breaks. */
export function rfmAt(shop: Shop, asOf: number, personIdOf: PersonIdOf = identity): Map<string, RfmTruth> {
  const agg = new Map<string, { last: number; n: number; revenue: number }>()
  for (const o of shop.truth.orders) {
    if (o.at >= asOf) continue
    const id = personIdOf(o.personKey)
    const a = agg.get(id) ?? { last: 0, n: 0, revenue: 0 }
    a.last = Math.max(a.last, o.at)
    a.n++
    a.revenue += o.revenue
    agg.set(id, a)
  }
  const people = [...agg].map(([personId, a]) => ({
    personId,
    lastOrderAt: a.last,
    frequency: a.n,
    monetary: round2(a.revenue),
  }))
  const rank = (sorted: typeof people) =>
    new Map(sorted.map((p, i) => [p.personId, ntile(5, sorted.length, i)]))
  const r = rank([...people].sort((a, b) => a.lastOrderAt - b.lastOrderAt || cmp(a.personId, b.personId)))
  const f = rank(
    [...people].sort(
      (a, b) => a.frequency - b.frequency || a.monetary - b.monetary || cmp(a.personId, b.personId),
    ),
  )
  const m = rank([...people].sort((a, b) => a.monetary - b.monetary || cmp(a.personId, b.personId)))
  const out = new Map<string, RfmTruth>()
  for (const p of people) {
    const rs = r.get(p.personId) ?? 0
    const fs = f.get(p.personId) ?? 0
    const ms = m.get(p.personId) ?? 0
    const fm = Math.floor((fs + ms + 1) / 2)
    out.set(p.personId, { ...p, r: rs, f: fs, m: ms, fm, segment: segmentOf(rs, fm) })
  }
  return out
}

/** segment_transitions(period_a, period_b): 'from→to' → people; '(new)' when absent at A. */
export function segmentTransitions(shop: Shop, a: number, b: number, personIdOf: PersonIdOf = identity) {
  const before = rfmAt(shop, a, personIdOf)
  const after = rfmAt(shop, b, personIdOf)
  const counts = new Map<string, number>()
  for (const [id, p] of after) {
    const key = `${before.get(id)?.segment ?? '(new)'}→${p.segment}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

// -------------------------------------------------------------------------------------- funnel

/**
 * windowFunnel(window)(t, c1, …, cn) as ClickHouse defines it (default mode): the longest chain
 * c1 → c2 → … whose events follow in time, each within `window` of the chain's c1. `events` are
 * (time, step index or -1), time in the window's unit.
 */
export function windowFunnel(
  window: number,
  steps: number,
  events: ReadonlyArray<readonly [number, number]>,
): number {
  const sorted = [...events].sort((a, b) => a[0] - b[0])
  const starts: Array<number | undefined> = new Array<number | undefined>(steps).fill(undefined)
  for (const [t, step] of sorted) {
    if (step === 0) starts[0] = t
    else if (step > 0) {
      const first = starts[step - 1]
      if (first !== undefined && t <= first + window) {
        starts[step] = first
        if (step === steps - 1) return steps
      }
    }
  }
  for (let i = steps - 1; i >= 0; i--) if (starts[i] !== undefined) return i + 1
  return 0
}

/** Per person with a track event since `since`, the funnel level reached (time in seconds). */
export function funnelLevels(
  shop: Shop,
  steps: readonly string[],
  windowSeconds: number,
  opts: { since?: number; personIdOf?: PersonIdOf } = {},
): Map<string, number> {
  const personIdOf = opts.personIdOf ?? identity
  const byPerson = new Map<string, Array<[number, number]>>()
  for (const g of shop.events) {
    if (g.event.type !== 'track' || g.at < (opts.since ?? -Infinity)) continue
    const step = steps.indexOf(g.event.event ?? '')
    const list = byPerson.get(personIdOf(g.personKey)) ?? []
    list.push([Math.floor(g.at / 1000), step])
    byPerson.set(personIdOf(g.personKey), list)
  }
  const out = new Map<string, number>()
  for (const [id, list] of byPerson) out.set(id, windowFunnel(windowSeconds, steps.length, list))
  return out
}

// --------------------------------------------------------------------------------- propensity

/** Whether each person ordered in [cutoff, cutoff + horizon days). */
export function purchasedWithin(
  shop: Shop,
  cutoff: number,
  horizonDays: number,
  personIdOf: PersonIdOf = identity,
) {
  const buyers = new Set<string>()
  for (const o of shop.truth.orders) {
    if (o.at >= cutoff && o.at < cutoff + horizonDays * DAY) buyers.add(personIdOf(o.personKey))
  }
  return buyers
}

/** ROC AUC (Mann–Whitney; ties count one half). */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  const pairs = scores.map((s, i) => [s, labels[i] ?? 0] as const).sort((a, b) => a[0] - b[0])
  let rankSumPositive = 0
  let positives = 0
  for (let i = 0; i < pairs.length;) {
    let j = i
    while (j < pairs.length && pairs[j]![0] === pairs[i]![0]) j++
    const avgRank = (i + 1 + j) / 2
    for (let k = i; k < j; k++) {
      if (pairs[k]![1] === 1) {
        rankSumPositive += avgRank
        positives++
      }
    }
    i = j
  }
  const negatives = pairs.length - positives
  if (positives === 0 || negatives === 0) return NaN
  return (rankSumPositive - (positives * (positives + 1)) / 2) / (positives * negatives)
}

// -------------------------------------------------------------------------------- customer_360

export interface CustomerTruth {
  personKey: string
  userIds: string[]
  anonymousIds: string[]
  email: string
  phone: string
  loyaltyCard: string
  /** Latest value per trait key, PII keys included. */
  traits: Record<string, unknown>
  consentCategories: string[]
  consentPolicyVersion: string
  firstSeen: number
  lastSeen: number
  channels: Channel[]
  sessions: number
  visits: number
  orders: number
  revenue: number
  lastProductsViewed: string[]
}

/** customer_360, from the events (identifiers, traits, consent, channels) and the truth. */
export function customers(shop: Shop): Map<string, CustomerTruth> {
  const out = new Map<
    string,
    CustomerTruth & { traitAt: Map<string, number>; consentAt: number; views: Array<[number, string]> }
  >()
  for (const g of shop.events) {
    let c = out.get(g.personKey)
    if (!c) {
      c = {
        personKey: g.personKey,
        userIds: [],
        anonymousIds: [],
        email: '',
        phone: '',
        loyaltyCard: '',
        traits: {},
        consentCategories: [],
        consentPolicyVersion: '',
        firstSeen: g.at,
        lastSeen: g.at,
        channels: [],
        sessions: 0,
        visits: 0,
        orders: 0,
        revenue: 0,
        lastProductsViewed: [],
        traitAt: new Map(),
        consentAt: -1,
        views: [],
      }
      out.set(g.personKey, c)
    }
    const e = g.event
    c.firstSeen = Math.min(c.firstSeen, g.at)
    c.lastSeen = Math.max(c.lastSeen, g.at)
    if (e.userId && !c.userIds.includes(e.userId)) c.userIds.push(e.userId)
    if (e.anonymousId && !c.anonymousIds.includes(e.anonymousId)) c.anonymousIds.push(e.anonymousId)
    const channel: Channel =
      e.context['channel'] === 'store'
        ? 'store'
        : g.source === 'ios'
          ? 'app'
          : g.source === 'web'
            ? 'web'
            : 'server'
    if (!c.channels.includes(channel)) c.channels.push(channel)
    if (e.type === 'identify') {
      for (const [k, v] of Object.entries(e.traits ?? {})) {
        if ((c.traitAt.get(k) ?? -1) <= g.at) {
          c.traits[k] = v
          c.traitAt.set(k, g.at)
        }
      }
    }
    const consent = e.context['consent'] as { categories?: string[]; policyVersion?: string } | undefined
    if (consent?.categories && g.at >= c.consentAt) {
      c.consentAt = g.at
      c.consentCategories = consent.categories
      c.consentPolicyVersion = consent.policyVersion ?? ''
    }
    if (e.type === 'track' && e.event === 'Product Viewed')
      c.views.push([g.at, String(e.properties?.['product_id'])])
  }
  for (const s of shop.truth.sessions) {
    const c = out.get(s.personKey)
    if (!c) continue
    c.sessions++
    if (s.pages > 0) c.visits++
  }
  for (const o of shop.truth.orders) {
    const c = out.get(o.personKey)
    if (!c) continue
    c.orders++
    c.revenue += o.revenue
  }
  const result = new Map<string, CustomerTruth>()
  for (const [key, { traitAt: _t, consentAt: _c, views, ...c }] of out) {
    const latest: string[] = []
    for (const [, id] of views.sort((a, b) => b[0] - a[0])) {
      if (!latest.includes(id)) latest.push(id)
      if (latest.length === 5) break
    }
    result.set(key, {
      ...c,
      userIds: c.userIds.sort(),
      anonymousIds: c.anonymousIds.sort(),
      channels: c.channels.sort(),
      email: String(c.traits['email'] ?? ''),
      phone: String(c.traits['phone'] ?? ''),
      loyaltyCard: String(c.traits['loyalty_card'] ?? ''),
      revenue: round2(c.revenue),
      lastProductsViewed: latest,
    })
  }
  return result
}
