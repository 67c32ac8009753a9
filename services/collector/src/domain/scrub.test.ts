import { describe, expect, it } from 'vitest'
import { scrubSchema } from '@sillage/schemas'
import { hashPii, sha256Hex } from '@sillage/identifiers'
import { createScrubber, defaultScrubRules } from './scrub.js'

const scrubber = (rules: unknown = {}) => createScrubber(scrubSchema.parse(rules))

type Dict = Record<string, unknown>

/** An event with `value` at `path` (e.g. context.traits.email). */
function eventWith(path: string, value: unknown): Dict {
  const event: Dict = { type: 'identify', userId: 'u1' }
  const segments = path.split('.')
  let node = event
  for (const s of segments.slice(0, -1)) node = (node[s] ??= {}) as Dict
  node[segments.at(-1)!] = value
  return event
}

function at(event: Dict, path: string): unknown {
  let node: unknown = event
  for (const s of path.split('.')) node = (node as Dict | undefined)?.[s]
  return node
}

const RAW: Record<string, string> = { email: '  Jane.Doe@Example.COM ', phone: '+33 6 12 34 56 78' }

/** The default rules, written out here so that removing one from scrub.ts fails its test. */
const ROOTS = ['properties', 'traits', 'context.traits']
const HASHED = ['email', 'phone']
const DROPPED = [
  'first_name',
  'last_name',
  'address',
  'shipping_address',
  'billing_address',
  'street',
  'birthday',
  'password',
  'credit_card',
  'card_number',
  'cvv',
  'iban',
  'ssn',
]
const EXPECTED_RULES = [
  ...ROOTS.flatMap((root) => [
    ...HASHED.map((key) => ({ path: `${root}.${key}`, action: 'hash' })),
    ...DROPPED.map((key) => ({ path: `${root}.${key}`, action: 'drop' })),
  ]),
  { path: 'traits.name', action: 'drop' },
  { path: 'context.traits.name', action: 'drop' },
]

describe('PII scrubbing: the default rules', () => {
  const scrub = scrubber()

  for (const rule of EXPECTED_RULES) {
    const key = rule.path.split('.').at(-1)!
    if (rule.action === 'hash') {
      it(`hashes ${rule.path} as identity does`, () => {
        const event = eventWith(rule.path, RAW[key])
        scrub(event)
        const hashed = at(event, rule.path)
        expect(hashed).toBe(hashPii(key as 'email' | 'phone', RAW[key]!))
        expect(hashed).toBe(sha256Hex(key === 'email' ? 'jane.doe@example.com' : '+33612345678'))
      })
    } else {
      it(`drops ${rule.path}`, () => {
        const event = eventWith(rule.path, 'Jane Doe, 1 rue de la Paix')
        const parent = rule.path.split('.').slice(0, -1).join('.')
        ;(at(event, parent) as Dict)['plan'] = 'gold'
        scrub(event)
        expect(at(event, rule.path)).toBeUndefined()
        expect(at(event, `${parent}.plan`)).toBe('gold')
      })
    }
  }

  it('has exactly these default rules', () => {
    expect(defaultScrubRules()).toEqual(EXPECTED_RULES)
  })

  it("keeps a product's name in properties, drops a person's name in traits", () => {
    const event: Dict = {
      type: 'track',
      event: 'Product Viewed',
      properties: { name: 'Blue mug', price: 12.5 },
      traits: { name: 'Jane Doe', plan: 'gold' },
    }
    scrub(event)
    expect(event['properties']).toEqual({ name: 'Blue mug', price: 12.5 })
    expect(event['traits']).toEqual({ plan: 'gold' })
  })

  it('matches keys ignoring case, "_", "-" and spaces', () => {
    const event: Dict = {
      traits: { firstName: 'Jane', 'Last-Name': 'Doe', EMAIL: 'jane@example.com', 'Credit Card': '4111' },
    }
    scrub(event)
    expect(event['traits']).toEqual({ EMAIL: sha256Hex('jane@example.com') })
  })

  it('still matches after the memo of event keys filled up with random keys and was cleared', () => {
    const event: Dict = { properties: {} }
    const properties = event['properties'] as Dict
    for (let i = 0; i < 10_050; i++) properties[`Key_${i}`] = i
    properties['First-Name'] = 'Jane'
    properties['E_Mail'] = 'jane@example.com'
    scrubber()(event)
    expect(properties['First-Name']).toBeUndefined()
    expect(properties['E_Mail']).toBe(hashPii('email', 'jane@example.com'))
    expect(properties['Key_10049']).toBe(10_049)
  })

  it('matches keys too long to be memoised as well', () => {
    const long = `loyalty_${'x'.repeat(80)}`
    const event: Dict = { properties: { [long.toUpperCase()]: 'secret', kept: 1 } }
    scrubber({ drop: [`properties.${long}`] })(event)
    expect(event['properties']).toEqual({ kept: 1 })
  })

  it('keeps a value that already is a SHA-256 digest, so scrubbing twice changes nothing', () => {
    const digest = sha256Hex('jane@example.com')
    const event: Dict = { traits: { email: digest.toUpperCase() } }
    scrub(event)
    expect(event['traits']).toEqual({ email: digest })
    scrub(event)
    expect(event['traits']).toEqual({ email: digest })
  })

  it('hashes an invalid email as text rather than keeping it, and leaves booleans alone', () => {
    const event: Dict = { properties: { email: 'not an email', phone: true } }
    scrub(event)
    expect(event['properties']).toEqual({ email: sha256Hex('not an email'), phone: true })
  })

  it('drops an object found at a hashed path', () => {
    const event: Dict = { traits: { email: { work: 'jane@example.com' } } }
    scrub(event)
    expect(event['traits']).toEqual({})
  })

  it('leaves everything else untouched: ids, context, other properties', () => {
    const event: Dict = {
      type: 'track',
      anonymousId: 'a1',
      event: 'Order Completed',
      properties: { order_id: 'o1', revenue: 42, products: [{ product_id: 'p1', name: 'Mug' }] },
      context: { ip: '10.0.0.0', page: { url: 'https://shop.example/' } },
    }
    const before = structuredClone(event)
    scrub(event)
    expect(event).toEqual(before)
  })
})

describe('PII scrubbing: per-source rules', () => {
  it('drops and hashes configured paths, with * over keys and array elements', () => {
    const scrub = scrubber({
      drop: ['properties.shipping.*', 'context.device.advertisingId'],
      hash: ['properties.products.*.buyer_email', 'properties.customer_ref'],
    })
    const event: Dict = {
      properties: {
        shipping: { city: 'Paris', zip: '75001' },
        products: [{ product_id: 'p1', buyer_email: 'A@B.co' }, { product_id: 'p2' }],
        customer_ref: 'C-42',
      },
      context: { device: { advertisingId: 'idfa-1', model: 'iPhone' } },
    }
    scrub(event)
    expect(event).toEqual({
      properties: {
        shipping: {},
        products: [{ product_id: 'p1', buyer_email: sha256Hex('a@b.co') }, { product_id: 'p2' }],
        customer_ref: sha256Hex('C-42'),
      },
      context: { device: { model: 'iPhone' } },
    })
  })

  it('drops array elements matched by a drop rule', () => {
    const scrub = scrubber({ drop: ['traits.aliases.*'] })
    const event: Dict = { traits: { aliases: ['x', 'y'] } }
    scrub(event)
    expect(event['traits']).toEqual({ aliases: [] })
  })

  it('keep exempts a default path; defaults: false turns every default off', () => {
    const kept: Dict = { traits: { name: 'Jane', email: 'jane@example.com' } }
    scrubber({ keep: ['traits.name'] })(kept)
    expect(kept['traits']).toEqual({ name: 'Jane', email: sha256Hex('jane@example.com') })
    const raw: Dict = { traits: { name: 'Jane', email: 'jane@example.com' } }
    scrubber({ defaults: false })(raw)
    expect(raw['traits']).toEqual({ name: 'Jane', email: 'jane@example.com' })
  })

  it('normalises national phone numbers with the configured calling code, as identity does', () => {
    const event: Dict = { traits: { phone: '06 12 34 56 78' } }
    scrubber({ phoneCountryCode: '33' })(event)
    expect(event['traits']).toEqual({ phone: sha256Hex('+33612345678') })
  })

  it('refuses paths outside properties, traits and context', () => {
    expect(scrubSchema.safeParse({ drop: ['userId'] }).success).toBe(false)
    expect(scrubSchema.safeParse({ hash: ['properties'] }).success).toBe(false)
  })
})

describe('PII scrubbing: the default keys at any depth', () => {
  const defaults = scrubber()
  const digest = (kind: 'email' | 'phone', v: string) => hashPii(kind, v)

  it('drops and hashes them in nested objects and arrays under properties, traits and context.traits', () => {
    const event = {
      properties: {
        billing: { first_name: 'Jane', street: '1 rue de Rivoli', city: 'Paris', email: 'Jane@Example.com' },
        products: [
          { product_id: 'p1', name: 'Bougie', buyer: { lastName: 'Doe', phone: '+33 6 12 34 56 78' } },
        ],
      },
      traits: {
        contacts: [{ email: 'a@example.com', role: 'billing' }],
        company: { name: 'Acme', address: 'x' },
      },
      context: {
        traits: { profile: { birthday: '1990-01-01', plan: 'gold' } },
        page: { title: 'first_name' },
      },
    }
    defaults(event)
    expect(event).toEqual({
      properties: {
        billing: { city: 'Paris', email: digest('email', 'Jane@Example.com') },
        products: [
          { product_id: 'p1', name: 'Bougie', buyer: { phone: digest('phone', '+33 6 12 34 56 78') } },
        ],
      },
      traits: {
        contacts: [{ email: digest('email', 'a@example.com'), role: 'billing' }],
        company: { name: 'Acme' },
      },
      context: { traits: { profile: { plan: 'gold' } }, page: { title: 'first_name' } },
    })
  })

  it('leaves the rest of context alone, and a kept path with what it holds', () => {
    const keepAddress = scrubber({ keep: ['traits.address', 'properties.shop.street'] })
    const event = {
      context: { device: { email: 'ops@example.com' } },
      traits: { address: { street: '1 rue de Rivoli', city: 'Paris' } },
      properties: { shop: { street: '2 quai', first_name: 'Ann' } },
    }
    keepAddress(event)
    expect(event).toEqual({
      context: { device: { email: 'ops@example.com' } },
      traits: { address: { street: '1 rue de Rivoli', city: 'Paris' } },
      properties: { shop: { street: '2 quai' } },
    })
  })

  it('changes nothing below the roots with defaults off', () => {
    const off = scrubber({ defaults: false })
    const event = { properties: { billing: { first_name: 'Jane' } } }
    off(event)
    expect(event).toEqual({ properties: { billing: { first_name: 'Jane' } } })
  })
})
