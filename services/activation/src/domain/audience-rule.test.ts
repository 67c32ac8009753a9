import { describe, expect, it } from 'vitest'
import { parseRule, RuleSyntaxError } from './audience-rule.js'
import { compileRule, compileSql, RuleCompileError } from './audience-sql.js'

describe('parseRule', () => {
  it('parses the issue example with and/or/not precedence', () => {
    expect(
      parseRule('rfm_segment in (at_risk, hibernating) and consent.marketing and last_order_days > 90'),
    ).toEqual({
      kind: 'and',
      items: [
        { kind: 'in', attr: 'rfm_segment', negated: false, values: ['at_risk', 'hibernating'] },
        { kind: 'truthy', attr: 'consent.marketing' },
        { kind: 'compare', attr: 'last_order_days', op: '>', value: 90 },
      ],
    })
    expect(parseRule("a = 1 or not b and c not in ('x')")).toEqual({
      kind: 'or',
      items: [
        { kind: 'compare', attr: 'a', op: '=', value: 1 },
        {
          kind: 'and',
          items: [
            { kind: 'not', item: { kind: 'truthy', attr: 'b' } },
            { kind: 'in', attr: 'c', negated: true, values: ['x'] },
          ],
        },
      ],
    })
  })

  it('refuses what is not the language, with a position', () => {
    for (const bad of ['', 'a >', 'a in (b', "a = 'x", 'a = 1; DROP TABLE x', '(a', 'and', 'a = 1 b'])
      expect(() => parseRule(bad)).toThrow(RuleSyntaxError)
  })

  it('refuses a number the queries cannot carry exactly (it failed every run, holding the stream)', () => {
    for (const bad of ['orders < 9223372036854775807', 'orders > 99999999999999999999999999'])
      expect(() => parseRule(bad), bad).toThrow(/out of range/)
    expect(parseRule('orders < 9007199254740991 and value > 1.5')).toBeDefined()
  })
})

describe('compileRule', () => {
  it('puts every value in a parameter and joins only the sources used', () => {
    const q = compileRule(
      parseRule(`rfm_segment in (at_risk, "x' OR 1=1") and last_order_days >= 60`),
      'sillage',
    )
    expect(q.params).toEqual({ p0: ['at_risk', "x' OR 1=1"], p1: 60 })
    expect(q.sql).toContain('has({p0:Array(String)}')
    expect(q.sql).toContain('{p1:Float64}')
    expect(q.sql).toContain('sillage.rfm_segments')
    expect(q.sql).not.toContain('propensity')
    expect(q.sql).toContain('WHERE c.marketing_contactable AND')
  })

  it('refuses unknown attributes and mistyped values', () => {
    expect(() => compileRule(parseRule('password = 1'), 'sillage')).toThrow(RuleCompileError)
    expect(() => compileRule(parseRule('last_order_days = abc'), 'sillage')).toThrow(/number/)
    expect(() => compileRule(parseRule('rfm_segment > 3'), 'sillage')).toThrow(/only = and !=/)
    expect(() => compileRule(parseRule('orders'), 'sillage')).toThrow(/compare it/)
    expect(() => compileRule(parseRule('orders > 1'), 'x; DROP')).toThrow(/database/)
  })
})

describe('compileSql', () => {
  it('wraps one statement and intersects it with marketing consent', () => {
    const q = compileSql('SELECT person_id FROM sillage.rfm_segments;', 'sillage')
    expect(q.sql).toContain('FROM (SELECT person_id FROM (SELECT person_id FROM sillage.rfm_segments))')
    expect(q.sql).toContain('marketing_contactable')
    expect(() => compileSql('SELECT 1; DROP TABLE x', 'sillage')).toThrow(RuleCompileError)
  })
})
