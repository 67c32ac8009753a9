import { describe, expect, it } from 'vitest'
import { trackingPlanSchema } from '@sillage/schemas'
import { compileTrackingPlan, createTrackingPlanIndex, TrackingPlanError } from './tracking-plan.js'
import { sourceSchema } from '@sillage/schemas'

const plan = (input: unknown) => trackingPlanSchema.parse(input)

const goodOrder = {
  order_id: 'o-1',
  revenue: 25,
  currency: 'EUR',
  products: [{ product_id: 'p-1', price: 12.5, quantity: 2 }],
}

describe('compileTrackingPlan', () => {
  it('is on by default: the built-in e-commerce plan, mode allow', () => {
    const compiled = compileTrackingPlan(plan(undefined))
    expect(compiled?.mode).toBe('allow')
    expect([...(compiled?.events ?? [])]).toEqual(
      expect.arrayContaining(['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed']),
    )
  })

  it('passes a good Order Completed and an event outside the plan', () => {
    const compiled = compileTrackingPlan(plan({}))
    expect(compiled?.check('Order Completed', goodOrder)).toBeUndefined()
    expect(compiled?.check('Newsletter Joined', { anything: [1, 'x'] })).toBeUndefined()
  })

  it('names each broken rule by keyword and schema path, and where it broke in the event', () => {
    const compiled = compileTrackingPlan(plan({ mode: 'block' }))
    const violations = compiled?.check('Order Completed', {
      revenue: 25,
      products: [
        { product_id: 'p-1', price: '12.50' },
        { product_id: 'p-2', price: 3 },
      ],
    })
    expect(violations).toEqual([
      {
        rule: 'required:properties.order_id',
        path: 'properties.order_id',
        message: "must have required property 'order_id'",
      },
      {
        rule: 'type:properties.products[].price',
        path: 'properties.products[0].price',
        message: 'must be number',
      },
    ])
  })

  it('checks an event without properties as an empty object', () => {
    const compiled = compileTrackingPlan(plan({}))
    expect(compiled?.check('Product Viewed', undefined)?.map((v) => v.rule)).toEqual([
      'required:properties.product_id',
    ])
  })

  it('adds and replaces events; defaults: false keeps only the own ones', () => {
    const own = {
      'Order Completed': { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] },
      'Signed Up': { type: 'object', required: ['plan'], properties: { plan: { enum: ['free', 'pro'] } } },
    }
    const merged = compileTrackingPlan(plan({ events: own }))
    expect(merged?.events.has('Product Viewed')).toBe(true)
    expect(merged?.check('Order Completed', { total: 3 })).toBeUndefined() // no order_id needed now
    expect(merged?.check('Signed Up', { plan: 'gold' })?.[0]?.rule).toBe('enum:properties.plan')

    const only = compileTrackingPlan(plan({ defaults: false, events: own }))
    expect([...(only?.events ?? [])].sort()).toEqual(['Order Completed', 'Signed Up'])
  })

  it('bounds the rule label whatever the event holds (additionalProperties, patterns)', () => {
    const compiled = compileTrackingPlan(
      plan({
        defaults: false,
        events: { Tagged: { type: 'object', additionalProperties: { type: 'string' } } },
      }),
    )
    const rules = compiled?.check('Tagged', { a: 1, b: 2, zzz: 3 })?.map((v) => v.rule)
    expect(new Set(rules)).toEqual(new Set(['type:properties.*']))
  })

  it('names the key that breaks propertyNames in the path', () => {
    const compiled = compileTrackingPlan(
      plan({
        defaults: false,
        events: { Tagged: { type: 'object', propertyNames: { pattern: '^[a-z_]+$' } } },
      }),
    )
    expect(compiled?.check('Tagged', { ok: 1, 'a/b': 2 })).toEqual([
      { rule: 'pattern:properties.*', path: 'properties.a/b', message: 'must match pattern "^[a-z_]+$"' },
      { rule: 'propertyNames:properties', path: 'properties.a/b', message: 'property name must be valid' },
    ])
  })

  it('keeps at most 10 violations per event', () => {
    const compiled = compileTrackingPlan(plan({}))
    const products = Array.from({ length: 30 }, () => ({ product_id: 1 }))
    expect(compiled?.check('Cart Viewed', { products })).toHaveLength(10)
  })

  it('is off with mode off, or with no event at all', () => {
    expect(compileTrackingPlan(plan({ mode: 'off' }))).toBeUndefined()
    expect(compileTrackingPlan(plan({ defaults: false }))).toBeUndefined()
  })

  it('supports formats (date-time, email)', () => {
    const compiled = compileTrackingPlan(
      plan({
        defaults: false,
        events: { Booked: { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } } },
      }),
    )
    expect(compiled?.check('Booked', { at: '2026-12-04T10:00:00Z' })).toBeUndefined()
    expect(compiled?.check('Booked', { at: 'tomorrow' })?.[0]?.rule).toBe('format:properties.at')
  })

  it('takes Segment Protocols-style draft-07 schemas ($schema, title, description)', () => {
    const compiled = compileTrackingPlan(
      plan({
        defaults: false,
        events: {
          'Signed Up': {
            $schema: 'http://json-schema.org/draft-07/schema#',
            title: 'Signed Up',
            description: 'a new account',
            type: 'object',
            required: ['plan'],
          },
        },
      }),
    )
    expect(compiled?.check('Signed Up', {})?.[0]?.rule).toBe('required:properties.plan')
  })

  it('refuses a schema with a mistake, naming the source and the event', () => {
    const source = sourceSchema.parse({
      id: 'shop',
      writeKey: 'wk_12345678',
      type: 'server',
      trackingPlan: { events: { 'Order Completed': { type: 'objet' } } },
    })
    expect(() => createTrackingPlanIndex()(source)).toThrow(TrackingPlanError)
    expect(() => createTrackingPlanIndex()(source)).toThrow(
      /source "shop": tracking plan event "Order Completed"/,
    )
    const typo = plan({ events: { X: { type: 'object', requird: ['a'] } } })
    expect(() => compileTrackingPlan(typo)).toThrow(/unknown keyword/)
  })

  it('refuses a pattern RE2 cannot run, naming the source, the event, the pattern and why', () => {
    const source = sourceSchema.parse({
      id: 'shop',
      writeKey: 'wk_12345678',
      type: 'server',
      trackingPlan: {
        events: { 'Coupon Entered': { type: 'object', properties: { code: { pattern: '^(a)\\1$' } } } },
      },
    })
    expect(() => createTrackingPlanIndex()(source)).toThrow(TrackingPlanError)
    expect(() => createTrackingPlanIndex()(source)).toThrow(
      'source "shop": tracking plan event "Coupon Entered": pattern "^(a)\\\\1$" is refused: a backreference (\\1) cannot run in linear time',
    )
    const keys = plan({
      events: { Tagged: { type: 'object', patternProperties: { '^(?!internal_)': { type: 'string' } } } },
    })
    expect(() => compileTrackingPlan(keys)).toThrow(/pattern "\^\(\?!internal_\)" is refused: a lookahead/)
    const invalid = plan({ events: { Tagged: { type: 'object', properties: { a: { pattern: '(' } } } } })
    expect(() => compileTrackingPlan(invalid)).toThrow(/Invalid regular expression/)
  })

  it('runs patterns that backtrack exponentially in ECMAScript, in linear time, up to 32 KiB', () => {
    const compiled = compileTrackingPlan(
      plan({
        defaults: false,
        events: {
          Paid: {
            type: 'object',
            properties: { currency: { pattern: '^[A-Z]{3}$' }, ref: { pattern: '^(a|a)*$' } },
            patternProperties: { '^\\d*\\d*x$': { type: 'number' } },
          },
        },
      }),
    )
    expect(compiled?.check('Paid', { currency: 'EUR', ref: 'aaa' })).toBeUndefined()
    expect(compiled?.check('Paid', { currency: 'euro', ref: 'b' })?.map((v) => v.rule)).toEqual([
      'pattern:properties.currency',
      'pattern:properties.ref',
    ])
    const hostile = 'a'.repeat(32 * 1024 - 1) // with what follows, the default event limit
    expect(compiled?.check('Paid', { ref: `${hostile}!` })?.[0]?.rule).toBe('pattern:properties.ref')
    expect(compiled?.check('Paid', { ref: `${hostile}a` })).toBeUndefined()
    expect(compiled?.check('Paid', { ref: `${hostile}aa` })?.[0]?.rule).toBe('pattern:properties.ref') // too long
    const digits = '1'.repeat(32 * 1024 - 1)
    expect(compiled?.check('Paid', { [`${digits}x`]: 'n' })?.[0]?.rule).toBe('type:properties.*')
    expect(compiled?.check('Paid', { [`${digits}y`]: 'n' })).toBeUndefined()
  })
})
