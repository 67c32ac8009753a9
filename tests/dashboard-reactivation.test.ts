import { describe, expect, it } from 'vitest'
// The activation's real rule parser against the dashboard's reading of its AST, so that the two
// shapes cannot drift apart (a test may join two services; their code may not).
import { parseRule } from '../services/activation/src/domain/audience-rule.js'
import { reactivationAudiences, selectsDormant } from '../services/dashboard/src/domain/reactivation.js'

describe('selectsDormant', () => {
  it('matches rules that admit the dormant segment, outside a not', () => {
    const yes = [
      'rfm_segment = dormant',
      'rfm_segment in (at_risk, hibernating, dormant) and last_order_days >= 60',
      'consent.marketing and (rfm_segment = "dormant" or orders > 10)',
    ]
    const no = [
      'rfm_segment = champions',
      'rfm_segment not in (dormant)',
      'not rfm_segment = dormant',
      'rfm_segment != dormant',
      'last_order_days > 365',
    ]
    for (const r of yes) expect(selectsDormant(parseRule(r)), r).toBe(true)
    for (const r of no) expect(selectsDormant(parseRule(r)), r).toBe(false)
  })

  it('keeps the reactivation audiences in the file order; SQL audiences never match', () => {
    const audiences = [
      { id: 'a', ast: parseRule('rfm_segment = dormant') },
      { id: 'sql' },
      { id: 'b', ast: parseRule('rfm_segment = loyal') },
      { id: 'c', ast: parseRule('rfm_segment in (dormant)') },
    ]
    expect(reactivationAudiences(audiences).map((a) => a.id)).toEqual(['a', 'c'])
  })
})
