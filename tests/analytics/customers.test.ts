import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  auc,
  customers,
  generateShop,
  openShopWarehouse,
  purchasedWithin,
  rfmAt,
  segmentTransitions,
  toEnriched,
  utcMidnight,
  type ShopWarehouse,
} from '../helpers/shop.js'

// RFM, segment transitions, the propensity model and customer_360 (0024–0026) on a generated shop
// loaded straight into chDB, each compared with the generator's ground truth.
const DAY = 86_400_000
const shop = generateShop({ seed: 23, shoppers: 800, days: 240, end: utcMidnight() })
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const ms = (clickhouseTime: string) => Date.parse(`${clickhouseTime.replace(' ', 'T')}Z`)

let wh: ShopWarehouse
beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert(shop.events.map((g) => ({ event: toEnriched(g), personId: g.personKey })))
})
afterAll(async () => {
  await wh?.close()
})

describe('rfm_segments', () => {
  it('scores every customer by quintile and names the segment as documented', async () => {
    const rows = await wh.rows<{
      person_id: string
      recency_days: string
      frequency: string
      monetary: number
      r_score: string
      f_score: string
      m_score: string
      segment: string
    }>('SELECT * FROM sillage.rfm_segments')
    const now = Date.now()
    const truth = rfmAt(shop, now)
    expect(rows.length).toBe(truth.size)
    for (const r of rows) {
      const t = truth.get(r.person_id)!
      expect({
        person: r.person_id,
        scores: [r.r_score, r.f_score, r.m_score].map(Number),
        frequency: Number(r.frequency),
        monetary: r.monetary,
        recencyDays: Number(r.recency_days),
        segment: r.segment,
      }).toEqual({
        person: t.personId,
        scores: [t.r, t.f, t.m],
        frequency: t.frequency,
        monetary: t.monetary,
        recencyDays: Math.floor(now / DAY) - Math.floor(t.lastOrderAt / DAY),
        segment: t.segment,
      })
    }
    // Every segment of the mapping occurs.
    expect(new Set(rows.map((r) => r.segment))).toEqual(
      new Set(['champions', 'loyal', 'promising', 'need_attention', 'at_risk', 'hibernating', 'dormant']),
    )
  })
})

describe('segment_transitions', () => {
  it('counts people moving from each segment 90 days ago to each segment today', async () => {
    const rows = await wh.rows<{ from_segment: string; to_segment: string; people: string; share: number }>(
      'SELECT * FROM sillage.segment_transitions(period_a = today() - 90, period_b = today())',
    )
    const today = utcMidnight().getTime()
    const truth = segmentTransitions(shop, today - 90 * DAY, today)
    expect(new Map(rows.map((r) => [`${r.from_segment}→${r.to_segment}`, Number(r.people)]))).toEqual(truth)
    expect(truth.size).toBeGreaterThan(10)
    for (const from of new Set(rows.map((r) => r.from_segment))) {
      const shares = rows.filter((r) => r.from_segment === from).reduce((s, r) => s + r.share, 0)
      expect(shares).toBeCloseTo(1, 3)
    }
  })
})

describe('propensity', () => {
  it('predicts next-30-day purchases on held-out people better than chance (AUC > 0.6)', async () => {
    const [quality] = await wh.rows<{
      cutoff: string
      train_rows: string
      holdout_rows: string
      holdout_positives: string
      auc: number
    }>('SELECT * FROM sillage.propensity_quality(horizon_days = 30)')
    const holdout = await wh.rows<{ person_id: string; label: number; score: number; cutoff: string }>(
      'SELECT person_id, label, score, cutoff FROM sillage.propensity_holdout(horizon_days = 30)',
    )
    expect(quality).toBeDefined()
    const cutoff = ms(quality!.cutoff)
    expect(cutoff).toBe(utcMidnight().getTime() - 30 * DAY)
    // Labels are the truth: who did order in the 30 days after the cutoff.
    const buyers = purchasedWithin(shop, cutoff, 30)
    expect(holdout.map((h) => [h.person_id, h.label])).toEqual(
      holdout.map((h) => [h.person_id, buyers.has(h.person_id) ? 1 : 0]),
    )
    // ClickHouse's arrayAUC agrees with an independent computation over the same scores.
    const independent = auc(
      holdout.map((h) => h.score),
      holdout.map((h) => h.label),
    )
    expect(quality!.auc).toBeCloseTo(independent, 3)
    expect(Number(quality!.holdout_rows)).toBe(holdout.length)
    expect(Number(quality!.train_rows)).toBeGreaterThan(3 * holdout.length)
    console.info(
      `propensity: AUC ${quality!.auc} on ${holdout.length} held-out people (${quality!.holdout_positives} buyers), trained on ${quality!.train_rows}`,
    )
    expect(quality!.auc).toBeGreaterThan(0.6)
  })

  it('scores everyone with a probability, higher for recent frequent buyers', async () => {
    const rows = await wh.rows<{ person_id: string; propensity_30d: number; orders: string }>(
      'SELECT person_id, propensity_30d, orders FROM sillage.propensity_scores',
    )
    expect(rows.length).toBe(customers(shop).size)
    for (const r of rows) expect(r.propensity_30d).toBeGreaterThanOrEqual(0)
    for (const r of rows) expect(r.propensity_30d).toBeLessThanOrEqual(1)
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const frequent = rows.filter((r) => Number(r.orders) >= 3).map((r) => r.propensity_30d)
    const never = rows.filter((r) => Number(r.orders) === 0).map((r) => r.propensity_30d)
    expect(mean(frequent)).toBeGreaterThan(mean(never))
  })
})

describe('customer_360', () => {
  it('has one row per person with identifiers, traits, consent, channels, activity and segment', async () => {
    const rows = await wh.rows<Record<string, unknown>>('SELECT * FROM sillage.customer_360')
    const truth = customers(shop)
    const rfm = rfmAt(shop, Date.now())
    expect(rows.length).toBe(truth.size)
    const pii = new Set(['email', 'phone', 'first_name', 'loyalty_card'])
    for (const r of rows) {
      const t = truth.get(String(r['person_id']))!
      const traits = Object.fromEntries(Object.entries(t.traits).filter(([k]) => !pii.has(k)))
      expect({
        person: r['person_id'],
        userIds: r['user_ids'],
        anonymousIds: r['anonymous_ids'],
        email: r['email_sha256'],
        phone: r['phone_sha256'],
        card: r['loyalty_card_sha256'],
        traits: JSON.parse(String(r['traits'])) as unknown,
        consent: [r['consent_categories'], r['consent_policy_version'], Boolean(r['marketing_consent'])],
        seen: [ms(String(r['first_seen'])), ms(String(r['last_seen']))],
        channels: r['channels'],
        activity: [r['sessions'], r['visits'], r['orders']].map(Number),
        revenue: r['revenue'],
        lastViewed: r['last_products_viewed'],
        segment: r['rfm_segment'],
      }).toEqual({
        person: t.personKey,
        userIds: t.userIds,
        anonymousIds: t.anonymousIds,
        email: t.email ? sha256(t.email) : '',
        phone: t.phone ? sha256(t.phone) : '',
        card: t.loyaltyCard ? sha256(t.loyaltyCard) : '',
        traits,
        consent: [t.consentCategories, t.consentPolicyVersion, t.consentCategories.includes('marketing')],
        seen: [t.firstSeen, t.lastSeen],
        channels: t.channels,
        activity: [t.sessions, t.visits, t.orders],
        revenue: t.revenue,
        lastViewed: t.lastProductsViewed,
        segment: rfm.get(t.personKey)?.segment ?? 'prospect',
      })
      if (t.orders === 0) expect(r['avg_basket']).toBeNull()
      else expect(Math.abs(Number(r['avg_basket']) - t.revenue / t.orders)).toBeLessThanOrEqual(0.006)
      expect(typeof r['propensity_30d']).toBe('number')
      expect(String(r['traits'])).not.toMatch(/@example\.com/)
    }
    expect(rows.some((r) => (r['channels'] as string[]).length === 4)).toBe(true)
  })
})
