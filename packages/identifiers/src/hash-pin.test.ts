import { describe, expect, it } from 'vitest'
import { createIdentityRules } from './identity-rules.js'
import { identifierNormaliser } from './normalise.js'
import { personIdFor } from './person-id.js'
import { hashPii, hashPiiIdentifier, hashValue } from './pii.js'
import { storedIdentifier, suppressionKey } from './suppression.js'

/**
 * Known outputs, pinned: the stored form of an identifier is a join key across ClickHouse tables,
 * the suppression topic and every service. Moving or refactoring this code must not change one.
 */
describe('identifier hashes (pinned)', () => {
  const JANE = '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d'
  const PHONE = '42d573cfc315801d4cd8eddd5416b416a0bf298b9b9e12d6b07442c91db42bd8'

  it('hashes an email after trimming and lower-casing', () => {
    expect(hashPiiIdentifier('email', '  Jane.Doe@Example.COM ')).toBe(JANE)
  })

  it('hashes a phone in international, 00 and national (with calling code) forms alike', () => {
    expect(hashPiiIdentifier('phone', '+33 6 12 34 56 78')).toBe(PHONE)
    expect(hashPiiIdentifier('phone', '0033612345678')).toBe(PHONE)
    expect(hashPiiIdentifier('phone', '06 12 34 56 78', '33')).toBe(PHONE)
  })

  it('hashes an invalid email and any other value without keeping it in clear', () => {
    expect(hashPii('email', 'Not An Email')).toBe(
      'ecd2f20a50c1facef28ec85e95559f948822a4b982dfe22baf572ef3f36e82db',
    )
    expect(hashValue(' 4111-1111 ')).toBe('c7e0a6745361249f66f05d3ccf162b887d5b68114bfca47fffd2f7251ff610a6')
  })

  it('derives suppression keys from the stored form', () => {
    const email = storedIdentifier('email', 'jane.doe@example.com')
    const user = storedIdentifier('user_id', ' u-42 ')
    expect(email && suppressionKey(email)).toBe(
      '6cbf047a72989149c2d75c9883fe22b5bf40528c87b41f6fbe2353df8dbc054c',
    )
    expect(user && suppressionKey(user)).toBe(
      '6f12ae40223816119e785e9355b347164cda25b540f17c329ade9ef479427e46',
    )
  })

  it('derives person ids from the anchor identifier', () => {
    expect(personIdFor('email', 'abc')).toBe('cc1a3b34edf8dae0e4d827f5dd9e08f9')
    expect(personIdFor('user_id', 'u-42')).toBe('1fcfe304ba12192ad61822618c992001')
  })

  it("normalises an identifier to the stored form the admin API looks up (identity's rules)", () => {
    const normalise = identifierNormaliser(createIdentityRules())
    expect(normalise('email', '  Jane.Doe@Example.COM ')).toEqual({ type: 'email', value: JANE })
    expect(normalise('user_id', ' u-42 ')).toEqual({ type: 'user_id', value: 'u-42' })
    expect(normalise('user_id', 'undefined')).toBeUndefined()
  })
})
