import { describe, expect, it } from 'vitest'
import { sha256Hex } from './pii.js'
import {
  createSuppressionList,
  suppressionKey,
  type IdentifiedEvent,
  type Identifier,
} from './suppression.js'

/** What an erasure of Jane suppressed (the admin API's stored forms). */
const JANE = {
  email: { type: 'email', value: sha256Hex('jane@example.com') },
  phone: { type: 'phone', value: sha256Hex('+33612345678') },
  user: { type: 'user_id', value: '42' },
  anonymous: { type: 'anonymous_id', value: 'anon-7' },
  card: { type: 'loyalty_card', value: 'LC-9' },
  device: { type: 'device_id', value: 'dev-9' },
  shopify: { type: 'shopify_customer', value: 'c9' },
} satisfies Record<string, Identifier>

function janeErased(phoneCountryCode?: string) {
  const list = createSuppressionList(phoneCountryCode ? { phoneCountryCode } : {})
  for (const id of Object.values(JANE)) list.add(suppressionKey(id))
  return list
}

const track = (rest: Partial<IdentifiedEvent>): IdentifiedEvent => ({
  type: 'track',
  anonymousId: 'a-new',
  ...rest,
})

describe('SuppressionList.match: an erased identifier wherever the scrubber or identity finds it', () => {
  const suppressed: Array<[string, IdentifiedEvent, Identifier, string?]> = [
    ['traits.Email', track({ traits: { Email: 'Jane@Example.com' } }), JANE.email],
    ['traits["e-mail"]', track({ traits: { 'e-mail': 'jane@example.com' } }), JANE.email],
    ['traits["E mail"]', track({ traits: { 'E mail': 'jane@example.com' } }), JANE.email],
    ['traits.contact.email', track({ traits: { contact: { email: 'jane@example.com' } } }), JANE.email],
    [
      'context.traits.contacts[].E_Mail',
      track({
        context: { traits: { contacts: [{ E_Mail: 'x@example.com' }, { E_Mail: 'jane@example.com' }] } },
      }),
      JANE.email,
    ],
    [
      'properties.billing.email',
      track({ properties: { billing: { email: 'jane@example.com' } } }),
      JANE.email,
    ],
    ['an already-hashed email', track({ traits: { email: JANE.email.value.toUpperCase() } }), JANE.email],
    ['a hashed email under phone', track({ traits: { phone: JANE.email.value } }), JANE.email],
    ['an email under phone', track({ traits: { phone: 'jane@example.com' } }), JANE.email],
    ['a deep formatted phone', track({ properties: { a: { Phone: '+33 (0)6 12 34 56 78' } } }), JANE.phone],
    ['a phone as a JSON number', track({ traits: { phone: 33612345678 } }), JANE.phone],
    ['a national phone number', track({ traits: { phone: 612345678 } }), JANE.phone, '33'],
    ['a national phone string', track({ traits: { phone: '06 12 34 56 78' } }), JANE.phone, '33'],
    ['alias previousId = an erased user id', { type: 'alias', userId: 'u-new', previousId: '42' }, JANE.user],
    [
      'alias previousId = an erased anonymous id',
      { type: 'alias', userId: 'u-new', previousId: 'anon-7' },
      JANE.anonymous,
    ],
    ['userId as a number', track({ userId: 42 }), JANE.user],
    ['anonymousId', { type: 'page', anonymousId: ' anon-7 ' }, JANE.anonymous],
    [
      'context.externalIds',
      track({ context: { externalIds: [{ type: 'Shopify.Customer', id: 'c9' }] } }),
      JANE.shopify,
    ],
    ['traits.loyaltyCard', { type: 'identify', userId: 'u', traits: { loyaltyCard: 'LC-9' } }, JANE.card],
    ['traits["Loyalty Card"]', track({ context: { traits: { 'Loyalty Card': 'LC-9' } } }), JANE.card],
    ['properties.loyalty_card', track({ properties: { loyalty_card: ' LC-9' } }), JANE.card],
    [
      'second of two loyalty keys',
      track({ traits: { loyalty_card: 'LC-1', loyaltyCard: 'LC-9' } }),
      JANE.card,
    ],
    ['context.device.id', track({ context: { device: { id: 'dev-9' } } }), JANE.device],
  ]
  it.each(suppressed)('suppresses %s', (_name, event, expected, phoneCountryCode) => {
    expect(janeErased(phoneCountryCode).match(event)).toEqual(expected)
  })

  const kept: Array<[string, IdentifiedEvent]> = [
    ['another email, deep', track({ traits: { contact: { email: 'john@example.com' } } })],
    ['an email under a key that is not an email key', track({ properties: { note: 'jane@example.com' } })],
    ['previousId outside an alias', { type: 'track', anonymousId: 'a-new', previousId: '42' }],
    ['a loyalty card below the top of a root', track({ properties: { order: { loyalty_card: 'LC-9' } } })],
    ['an email object (the scrubber drops it)', track({ traits: { email: { value: 'jane@example.com' } } })],
  ]
  it.each(kept)('accepts %s', (_name, event) => {
    expect(janeErased('33').match(event)).toBeUndefined()
  })

  it('does not read the event while the list is empty', () => {
    const untouchable = new Proxy({} as IdentifiedEvent, {
      get: () => {
        throw new Error('read')
      },
    })
    expect(createSuppressionList().match(untouchable)).toBeUndefined()
    expect(() => janeErased().match(untouchable)).toThrow('read')
  })

  it('walks a deeply nested event without overflowing the stack', () => {
    let deep: Record<string, unknown> = { email: 'jane@example.com' }
    for (let i = 0; i < 100_000; i++) deep = { a: [deep] }
    expect(janeErased().match(track({ properties: deep }))).toEqual(JANE.email)
  })
})

describe('SuppressionList.match: emails and phones an extra reader finds (a source’s scrub paths)', () => {
  const workEmail = (event: IdentifiedEvent, visit: (kind: 'email' | 'phone', raw: string) => void) => {
    const props = event.properties as Record<string, unknown> | undefined
    if (typeof props?.['workEmail'] === 'string') visit('email', props['workEmail'])
    if (typeof props?.['cell'] === 'string') visit('phone', props['cell'])
  }

  it('matches what `extra` visits, normalised and hashed as the default keys are', () => {
    const list = janeErased('33')
    expect(list.match(track({ properties: { workEmail: ' Jane@Example.COM' } }), workEmail)).toEqual(
      JANE.email,
    )
    expect(
      list.match(track({ properties: { workEmail: sha256Hex('jane@example.com') } }), workEmail),
    ).toEqual(JANE.email)
    expect(list.match(track({ properties: { cell: '06 12 34 56 78' } }), workEmail)).toEqual(JANE.phone)
    expect(list.match(track({ properties: { workEmail: 'john@example.com' } }), workEmail)).toBeUndefined()
    expect(list.match(track({ properties: { workEmail: 'jane@example.com' } }))).toBeUndefined()
  })

  it('never calls `extra` while the list is empty', () => {
    const extra = () => {
      throw new Error('read')
    }
    expect(createSuppressionList().match(track({}), extra)).toBeUndefined()
    expect(() => janeErased().match(track({}), extra)).toThrow('read')
  })
})
