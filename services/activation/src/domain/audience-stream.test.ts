import { describe, expect, it } from 'vitest'
import { parseRule } from './audience-rule.js'
import { concernsAudiences, isStreamEvaluable } from './audience-stream.js'
import { compileRule } from './audience-sql.js'

const aud = (rule: string) => ({ id: 'a', destinations: [], rule, ast: parseRule(rule) })

describe('stream-evaluable audiences', () => {
  it('takes rules over consent, orders and recency; leaves scored attributes and SQL to the schedule', () => {
    expect(isStreamEvaluable(aud('orders >= 1 and consent.marketing'))).toBe(true)
    expect(isStreamEvaluable(aud('revenue > 100 or last_order_days < 30'))).toBe(true)
    expect(isStreamEvaluable(aud('last_seen_days <= 1'))).toBe(true)
    expect(isStreamEvaluable(aud('rfm_segment = champions and orders > 1'))).toBe(false)
    expect(isStreamEvaluable(aud('propensity_30d > 0.5'))).toBe(false)
    expect(isStreamEvaluable(aud('m_score >= 4'))).toBe(false)
    expect(isStreamEvaluable({ sql: 'SELECT person_id FROM sillage.persons' })).toBe(false)
  })

  it('knows which events concern them', () => {
    const orders = [aud('orders >= 1')]
    const order = { type: 'track', event: 'Order Completed' }
    expect(concernsAudiences(order, orders)).toBe(true)
    expect(concernsAudiences({ type: 'track', event: 'Product Viewed' }, orders)).toBe(false)
    expect(concernsAudiences({ type: 'track', event: 'Consent Updated' }, orders)).toBe(true)
    expect(concernsAudiences({ type: 'identify' }, orders)).toBe(true)
    expect(concernsAudiences({ type: 'page' }, [aud('last_seen_days < 2')])).toBe(true)
    expect(concernsAudiences({ ...order, sourceId: 'sillage' }, orders)).toBe(false)
    expect(concernsAudiences(order, [])).toBe(false)
  })

  it('compiles a rule for a set of persons, as parameters', () => {
    const q = compileRule(parseRule('orders >= 2'), 'sillage', { persons: ['p1', 'p2'] })
    expect(q.params['persons']).toEqual(['p1', 'p2'])
    expect(q.sql).toContain('FROM sillage.orders WHERE person_id IN {persons:Array(String)}')
    expect(q.sql).not.toContain('rfm_segments')
    expect(q.sql).not.toContain("'p1'")
  })
})
