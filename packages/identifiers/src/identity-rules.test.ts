import { describe, expect, it } from 'vitest'
import { createIdentityRules, IdentityRulesError, parseIdentityRules, ruleOf } from './identity-rules.js'

describe('identity rules', () => {
  it('defaults: user_id first, one per person; external types just above device_id', () => {
    const rules = createIdentityRules()
    const order = ['user_id', 'email', 'phone', 'loyalty_card', 'device_id', 'anonymous_id'].map(
      (t) => ruleOf(rules, t).priority,
    )
    expect([...order].sort((a, b) => b - a)).toEqual(order)
    expect(ruleOf(rules, 'user_id').limit).toBe(1)
    expect(ruleOf(rules, 'crm_id').priority).toBeGreaterThan(ruleOf(rules, 'device_id').priority)
    expect(ruleOf(rules, 'crm_id').priority).toBeLessThan(ruleOf(rules, 'loyalty_card').priority)
    expect(Object.isFrozen(rules)).toBe(true)
  })

  it('takes a priority list with external types and per-type limits', () => {
    const rules = parseIdentityRules(
      JSON.stringify({
        priority: ['user_id', 'crm_id', 'email', 'phone', 'loyalty_card', 'device_id', 'anonymous_id'],
        limits: { email: 2, crm_id: 1, external: 3 },
      }),
    )
    expect(ruleOf(rules, 'crm_id').priority).toBeGreaterThan(ruleOf(rules, 'email').priority)
    expect(ruleOf(rules, 'crm_id').limit).toBe(1)
    expect(ruleOf(rules, 'email').limit).toBe(2)
    expect(ruleOf(rules, 'other_id').limit).toBe(3)
  })

  it('reports every problem at once', () => {
    let error: unknown
    try {
      createIdentityRules({
        priority: ['email', 'user_id', 'phone', 'loyalty_card', 'device_id', 'email'],
        limits: { user_id: 2 },
      })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(IdentityRulesError)
    const problems = (error as IdentityRulesError).problems.join('\n')
    expect(problems).toMatch(/user_id must come first/)
    expect(problems).toMatch(/missing built-in type anonymous_id/)
    expect(problems).toMatch(/listed twice/)
    expect(problems).toMatch(/limits.user_id: must be 1/)
    expect((error as IdentityRulesError).code).toBe('SIL_IDENTITY_RULES_INVALID')
  })

  it('refuses unknown fields and non-JSON', () => {
    expect(() => parseIdentityRules('{"priorities": []}')).toThrow(IdentityRulesError)
    expect(() => parseIdentityRules('{')).toThrow(/not JSON/)
    expect(parseIdentityRules(undefined)).toEqual(createIdentityRules())
  })
})
