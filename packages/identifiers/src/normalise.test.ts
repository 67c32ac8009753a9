import { describe, expect, it } from 'vitest'
import { blockedForm, normaliseIdentifier } from './normalise.js'
import { normaliseEmail, normalisePhone, sha256Hex } from './pii.js'
import { createIdentityRules } from './identity-rules.js'

const rules = createIdentityRules()

describe('identifier normalisation', () => {
  it.each([
    [' Jane.Doe@Example.COM ', 'jane.doe@example.com'],
    ['a+tag@sub.example.fr', 'a+tag@sub.example.fr'],
    ['not-an-email', undefined],
    ['two@@example.com', undefined],
    ['spaces in@example.com', undefined],
  ])('email %j → %j', (raw, expected) => {
    expect(normaliseEmail(raw)).toBe(expected)
  })

  it.each([
    ['+33 6 12 34 56 78', undefined, '+33612345678'],
    ['0033612345678', undefined, '+33612345678'],
    ['+33 6-12.34/56 78', undefined, '+33612345678'],
    ['06 12 34 56 78', undefined, '0612345678'],
    ['06 12 34 56 78', '33', '+33612345678'],
    ['12345', undefined, undefined],
    ['call me', undefined, undefined],
  ])('phone %j (country code %j) → %j', (raw, cc, expected) => {
    expect(normalisePhone(raw, cc)).toBe(expected)
  })

  it('hashes emails and phones after normalising them; other types are only trimmed', () => {
    expect(normaliseIdentifier(rules, 'email', ' A@B.io ')).toEqual({
      ok: true,
      id: { type: 'email', value: sha256Hex('a@b.io') },
    })
    expect(normaliseIdentifier(rules, 'phone', '0033 612345678')).toEqual({
      ok: true,
      id: { type: 'phone', value: sha256Hex('+33612345678') },
    })
    expect(normaliseIdentifier(rules, 'loyalty_card', ' LC-1 ')).toEqual({
      ok: true,
      id: { type: 'loyalty_card', value: 'LC-1' },
    })
  })

  it('takes a SHA-256 hex digest as an already hashed email', () => {
    const digest = sha256Hex('a@b.io').toUpperCase()
    expect(normaliseIdentifier(rules, 'email', digest)).toEqual({
      ok: true,
      id: { type: 'email', value: digest.toLowerCase() },
    })
  })

  it('refuses blocked values in any case, trimmed or quoted, and configured extras', () => {
    for (const v of [
      'null',
      ' NULL ',
      '"undefined"',
      "'None'",
      'Anonymous',
      '[object Object]',
      '-1',
      'NaN',
      'GUEST',
      '',
      'distinct_id',
      'not_authenticated',
      '{}',
      '[]',
      '(null)',
      '<NIL>',
    ]) {
      expect(normaliseIdentifier(rules, 'user_id', v)).toEqual({ ok: false, code: 'blocked_value' })
    }
    const strict = createIdentityRules({ blockedValues: ['Test@Example.com'] })
    expect(normaliseIdentifier(strict, 'email', 'test@example.com')).toEqual({
      ok: false,
      code: 'blocked_value',
    })
    expect(blockedForm(' "Null" ')).toBe('null')
  })

  it('refuses values made only of zeroes and dashes, for every type, and nothing else', () => {
    for (const v of ['00000', ' 000 ', '-', '--', '0-0', '"0000"', '00000000-0000-0000-0000-000000000000']) {
      for (const type of ['user_id', 'loyalty_card', 'phone', 'anonymous_id'])
        expect(normaliseIdentifier(rules, type, v), `${type} ${v}`).toEqual({
          ok: false,
          code: 'blocked_value',
        })
    }
    for (const v of ['10', '-5', '0-1', 'a-0', '0x0', '1000', '00001']) {
      expect(normaliseIdentifier(rules, 'user_id', v)).toEqual({
        ok: true,
        id: { type: 'user_id', value: v },
      })
    }
  })

  it('reports malformed emails and phones', () => {
    expect(normaliseIdentifier(rules, 'email', 'nope')).toEqual({ ok: false, code: 'invalid_email' })
    expect(normaliseIdentifier(rules, 'phone', 'nope')).toEqual({ ok: false, code: 'invalid_phone' })
  })
})
