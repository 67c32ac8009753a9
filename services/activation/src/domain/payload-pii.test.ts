import { hashPii } from '@sillage/identifiers'
import { describe, expect, it } from 'vitest'
import { scrubPayloadPii } from './payload-pii.js'

describe('scrubPayloadPii', () => {
  it('hashes emails and phones and drops the listed keys at any depth, in arrays too', () => {
    const input = {
      value: 120,
      email: 'Top@Example.com',
      billing: { Email: ' ada@example.com ', city: 'Lyon', 'Billing Address': '1 rue X' },
      customer: { phone: '+33 6 12 34 56 78', firstName: 'Ada', loyalty: { phone: 612345678 } },
      products: [
        { product_id: 'p1', name: 'Mug', shipping_address: { street: '2 rue Y' } },
        { product_id: 'p2', contact: [{ email: 'b@example.com' }] },
      ],
    }
    const copy = structuredClone(input)
    expect(scrubPayloadPii(input)).toEqual({
      value: 120,
      email: hashPii('email', 'Top@Example.com'),
      billing: { Email: hashPii('email', 'ada@example.com'), city: 'Lyon' },
      customer: {
        phone: hashPii('phone', '+33 6 12 34 56 78'),
        loyalty: { phone: hashPii('phone', '612345678') },
      },
      products: [
        { product_id: 'p1', name: 'Mug' },
        { product_id: 'p2', contact: [{ email: hashPii('email', 'b@example.com') }] },
      ],
    })
    expect(input).toEqual(copy)
  })

  it('keeps a digest as is, drops an object under a hash key, leaves booleans and null', () => {
    const digest = hashPii('email', 'a@example.com')
    expect(
      scrubPayloadPii({ a: { email: digest, phone: { raw: '0612' }, Phone: null, EMAIL: true } }),
    ).toEqual({
      a: { email: digest, Phone: null, EMAIL: true },
    })
  })
})
