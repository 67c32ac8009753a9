import { describe, expect, it } from 'vitest'
import { isPiiTrait, nextOrder, publicTraits, viewedNotBought, windows } from './profile-view.js'
import { collidingReadKeys, createRateLimiter, inScope, presentedKey } from './read-keys.js'
import { isProductId, rankRecommendations } from './recommend.js'
import { createProfileCache } from './profile-cache.js'
import { fromMs, type ScoreRow } from './rows.js'

const NOW = Date.parse('2026-06-30T12:00:00Z')
const ago = (days: number) => fromMs(NOW - days * 86_400_000)

describe('stream windows', () => {
  it('counts the last 1, 7 and 30 × 24 h at read time', () => {
    expect(windows([ago(0.5), ago(0.99), ago(1), ago(6.9), ago(29.9), ago(31)], NOW)).toEqual({
      '1d': 2,
      '7d': 4,
      '30d': 5,
    })
  })

  it('keeps products viewed in 30 days and not bought since the latest view, latest first', () => {
    const row = {
      viewed: [
        ['a', ago(1)],
        ['b', ago(2)],
        ['c', ago(3)],
        ['d', ago(40)],
      ] as Array<[string, string]>,
      bought: [
        ['a', ago(0.5)],
        ['c', ago(10)],
      ] as Array<[string, string]>,
    }
    expect(viewedNotBought(row, NOW).map((v) => v.product_id)).toEqual(['b', 'c'])
  })
})

describe('traits', () => {
  it('never returns PII trait keys, in any spelling', () => {
    const pii = [
      'email',
      'Email',
      'phone',
      'phone_number',
      'phoneNumber',
      'mobile',
      'Mobile-Phone',
      'loyalty_card',
      'loyaltyCard',
      'birthday',
      'birth_date',
      'birthdate',
      'dateOfBirth',
      'date_of_birth',
      'first_name',
      'firstName',
      'name',
    ]
    for (const key of pii) expect(isPiiTrait(key), key).toBe(true)
    const traits = Object.fromEntries([...pii.map((k) => [k, 'secret']), ['city', 'Lyon'], ['tier', 'gold']])
    expect(publicTraits(JSON.stringify(traits))).toEqual({ city: 'Lyon', tier: 'gold' })
  })
  it('keeps traits that only contain a PII word', () => {
    for (const key of ['company_name', 'phone_verified', 'email_opt_in', 'city'])
      expect(isPiiTrait(key)).toBe(false)
  })
})

describe('next order window', () => {
  it('needs two orders, then spans 0.75 to 1.25 of the mean gap after the last', () => {
    expect(nextOrder({ orders: 0, first_order_at: null, last_order_at: null }, 'x').reason).toBe('no_orders')
    expect(nextOrder({ orders: 1, first_order_at: ago(5), last_order_at: ago(5) }, 'x').reason).toBe(
      'single_order',
    )
    const w = nextOrder({ orders: 3, first_order_at: ago(40), last_order_at: ago(20) }, 'x')
    expect(w).toMatchObject({
      reason: null,
      window_start: new Date(NOW - 20 * 86_400_000 + 7.5 * 86_400_000).toISOString(),
    })
  })
})

describe('recommendations', () => {
  const rows = [
    {
      product_id: 'a',
      as_of: '',
      bought_together: [
        ['b', 5],
        ['c', 9],
      ] as Array<[string, number]>,
      viewed_together: [['d', 50]] as Array<[string, number]>,
    },
    {
      product_id: '*',
      as_of: '',
      bought_together: [
        ['e', 100],
        ['a', 90],
        ['b', 80],
      ] as Array<[string, number]>,
      viewed_together: [],
    },
  ]
  it('ranks bought together, then viewed together, then popular, without the seeds or exclusions', () => {
    expect(rankRecommendations(['a'], rows, new Set(['c']), 10).map((r) => [r.product_id, r.reason])).toEqual(
      [
        ['b', 'bought_together'],
        ['d', 'viewed_together'],
        ['e', 'popular'],
      ],
    )
  })
  it('falls back to popularity for a cold start', () => {
    expect(rankRecommendations([], rows, new Set(), 2).map((r) => r.product_id)).toEqual(['e', 'a'])
  })
  it('takes the reserved popularity id as a seed for an unknown product, not as its own row', () => {
    const unknown = rankRecommendations(['no-such-product'], rows, new Set(), 10)
    expect(rankRecommendations(['*'], rows, new Set(), 10)).toEqual(unknown)
    expect(unknown.map((r) => r.reason)).toEqual(['popular', 'popular', 'popular'])
  })
  it('refuses blank product ids and ids over 256 characters', () => {
    for (const id of ['', ' ', '\t\n', 'x'.repeat(257), undefined, ['a']]) expect(isProductId(id)).toBe(false)
    for (const id of ['a', '*', ' a ', 'x'.repeat(256)]) expect(isProductId(id)).toBe(true)
  })
})

describe('read keys', () => {
  it('reads Bearer and Basic, and refuses keys equal to a write key or the admin token', () => {
    expect(presentedKey('Bearer abc')).toBe('abc')
    expect(presentedKey(`Basic ${Buffer.from('abc:').toString('base64')}`)).toBe('abc')
    expect(presentedKey('Token abc')).toBeUndefined()
    const keys = [
      { id: 'a', key: 'k1', sources: ['*'] },
      { id: 'b', key: 'wk', sources: ['web'] },
      { id: 'c', key: 'adm', sources: ['web'] },
    ]
    expect(collidingReadKeys(keys, ['wk'], 'adm')).toEqual(['b', 'c'])
    expect(inScope(keys[1]!, ['backend'])).toBe(false)
    expect(inScope(keys[1]!, ['backend', 'web'])).toBe(true)
    expect(inScope(keys[0]!, ['x'])).toBe(true)
  })
  it('rate-limits per key with a refilling bucket', () => {
    let t = 0
    const limiter = createRateLimiter(60, () => t)
    const taken = Array.from({ length: 61 }, () => limiter.take('k'))
    expect(taken.filter((d) => d.ok)).toHaveLength(60)
    expect(taken[60]).toEqual({ ok: false, retryAfterSeconds: 1 })
    t += 1000
    expect(limiter.take('k')).toEqual({ ok: true })
    expect(limiter.take('other')).toEqual({ ok: true })
  })
  it('says how many seconds until the next lookup is allowed, at least 1', () => {
    let t = 0
    const limiter = createRateLimiter(2, () => t)
    limiter.take('k')
    limiter.take('k')
    // 2 a minute: one token every 30 s.
    expect(limiter.take('k')).toEqual({ ok: false, retryAfterSeconds: 30 })
    t += 20_500
    expect(limiter.take('k')).toEqual({ ok: false, retryAfterSeconds: 10 })
    t += 9_500
    expect(limiter.take('k')).toEqual({ ok: true })
  })
})

describe('profile cache', () => {
  const text = (pid: string, keys: string[], last: string) => ({
    person_id: pid,
    keys: [...keys, `person_id:${pid}`],
    text: JSON.stringify({ person_id: pid, last_seen: last }),
  })
  const score = (pid: string): ScoreRow => ({
    person_id: pid,
    as_of: ago(0),
    rfm_segment: 'champions',
    rfm_cell: '555',
    previous_segment: '',
    segment_since: ago(3),
    propensity_30d: 0.5,
    propensity_decile: 9,
  })
  it('answers by any key, and a rewrite keeps the scores while an erasure drops them', () => {
    const cache = createProfileCache(10)
    cache.setAllScores([score('p1')])
    cache.putProfile(text('p1', ['email:h1'], 'a'))
    cache.putProfile(text('p1', ['email:h1'], 'b'))
    expect(cache.personOf('email:h1')).toBe('p1')
    expect(cache.profile('p1')).toEqual({ person_id: 'p1', last_seen: 'b' })
    expect(cache.scores('p1')).toEqual(score('p1'))
    cache.putProfile(text('p1', ['email:h2'], 'c'))
    expect(cache.personOf('email:h1')).toBeUndefined()
    expect(cache.personOf('email:h2')).toBe('p1')
    expect(cache.scores('p1')).toEqual(score('p1'))
    cache.remove('p1')
    expect(cache.profile('p1')).toBeUndefined()
    expect(cache.personOf('person_id:p1')).toBeUndefined()
    expect(cache.scores('p1')).toBeNull()
  })
  it('evicts the least recently written profile first, and is then incomplete', () => {
    const cache = createProfileCache(2)
    cache.complete = true
    cache.putProfile(text('p1', [], 'a'))
    cache.putProfile(text('p2', [], 'a'))
    cache.putProfile(text('p1', [], 'b'))
    cache.putProfile(text('p3', [], 'a'))
    expect(cache.profile('p2')).toBeUndefined()
    expect(cache.personOf('person_id:p2')).toBeUndefined()
    expect(cache.profile('p1')).toEqual({ person_id: 'p1', last_seen: 'b' })
    expect(cache.complete).toBe(false)
  })
})
