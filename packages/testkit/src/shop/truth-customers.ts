import type { Shop } from './simulate.js'
import { round2 } from './truth-common.js'
import type { Channel } from './types.js'

// customer_360's ground truth.

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
