import { describe, expect, it } from 'vitest'
import { createPiiPathVisitor, kindOf } from './scrub-paths.js'

/** Everything the visitor reports for `event`, as [kind, value]. */
function found(paths: string[], event: object): Array<[string, string | number]> {
  const visitor = createPiiPathVisitor(paths)
  const out: Array<[string, string | number]> = []
  visitor?.(event, (kind, raw) => out.push([kind, raw]))
  return out
}

describe('kindOf', () => {
  it('reads an email or phone from a path’s last key, as the scrubber normalises it', () => {
    expect(
      ['workEmail', 'buyer_email', 'E-Mail', 'backup_mobile', 'HomePhone', 'customer_ref'].map(kindOf),
    ).toEqual(['email', 'email', 'email', 'phone', 'phone', 'text'])
  })
})

describe('createPiiPathVisitor', () => {
  it('is undefined without a path naming an email or phone', () => {
    expect(createPiiPathVisitor([])).toBeUndefined()
    expect(createPiiPathVisitor(['properties.customer_ref', 'properties.products.*'])).toBeUndefined()
  })

  it('visits the values at email and phone paths, keys matched as the scrubber matches them', () => {
    const paths = ['properties.workEmail', 'properties.products.*.buyer_email', 'traits.backup_mobile']
    const event = {
      properties: {
        Work_Email: 'Jane@Example.com',
        products: [{ sku: 'a' }, { buyer_email: 'john@example.com' }, 'x'],
        other_email: 'not a rule',
      },
      traits: { 'backup-mobile': 33612345678 },
      context: { traits: { workEmail: 'not under properties' } },
    }
    expect(found(paths, event)).toEqual([
      ['email', 'Jane@Example.com'],
      ['email', 'john@example.com'],
      ['phone', 33612345678],
    ])
  })

  it('follows `*` through objects and arrays, a key of its own first', () => {
    const event = { properties: { a: { workEmail: 'a@x.io' }, b: { workEmail: 'b@x.io', phone2: 'no' } } }
    expect(found(['properties.*.workEmail'], event)).toEqual([
      ['email', 'a@x.io'],
      ['email', 'b@x.io'],
    ])
    // `properties.a` has a path of its own: `*` is not followed there.
    expect(found(['properties.*.workEmail', 'properties.a.phone'], event)).toEqual([['email', 'b@x.io']])
  })

  it('skips objects, booleans and null at an email path, and ignores paths the event lacks', () => {
    const event = { properties: { workEmail: { value: 'x@y.io' }, mobile: true, list: null } }
    expect(found(['properties.workEmail', 'properties.mobile', 'properties.list.*.email'], event)).toEqual([])
    expect(found(['traits.email'], {})).toEqual([])
  })
})
