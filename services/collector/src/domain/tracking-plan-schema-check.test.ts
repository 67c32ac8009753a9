import { describe, expect, it } from 'vitest'
import { trackingPlanSchema } from '@sillage/schemas'
import { compileTrackingPlan, TrackingPlanError } from './tracking-plan.js'
import { MAX_ENUM } from './tracking-plan-schema-check.js'

/** A plan of one own event X with this schema (the plan file's JSON, parsed as the collector does). */
const planOf = (schema: unknown, name = 'X') =>
  trackingPlanSchema.parse(JSON.parse(JSON.stringify({ defaults: false, events: { [name]: schema } })))

/** Nested `levels` deep: `{"properties": {"a": {"properties": {"a": … {}}}}}`, as JSON.parse makes it. */
const nested = (levels: number): unknown =>
  JSON.parse(`${'{"properties":{"a":'.repeat(levels)}{}${'}}'.repeat(levels)}`)

describe('tracking plan schemas refused at compile', () => {
  const LOOPS: ReadonlyArray<readonly [string, unknown]> = [
    ['$ref to the root', { $ref: '#' }],
    ['allOf', { type: 'object', allOf: [{ $ref: '#' }] }],
    ['anyOf', { anyOf: [{ $ref: '#' }, { type: 'string' }] }],
    ['not', { not: { $ref: '#' } }],
    ['if/then', { if: { type: 'object' }, then: { $ref: '#' } }],
    [
      'two definitions',
      {
        definitions: { a: { $ref: '#/definitions/b' }, b: { $ref: '#/definitions/a' } },
        $ref: '#/definitions/a',
      },
    ],
    ['a property naming itself', { type: 'object', properties: { a: { $ref: '#/properties/a' } } }],
  ]
  for (const [name, schema] of LOOPS) {
    it(`a $ref loop that never goes down into the event (${name}), before it overflows on an event`, () => {
      expect(() => compileTrackingPlan(planOf(schema))).toThrow(TrackingPlanError)
      expect(() => compileTrackingPlan(planOf(schema))).toThrow(
        /tracking plan event "X": a \$ref loop that never goes down into the event \(.*"#.*\)/,
      )
    })
  }

  it('takes a recursive schema that goes down into the event (a tree), and checks it', () => {
    const tree = {
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } },
      additionalProperties: { $ref: '#/definitions/leaf' },
      definitions: { leaf: { anyOf: [{ type: 'string' }, { $ref: '#' }] } },
    }
    const compiled = compileTrackingPlan(planOf(tree))
    expect(compiled?.check('X', { name: 'a', children: [{ name: 'b', children: [] }] })).toBeUndefined()
    expect(compiled?.check('X', { children: [{ name: 1 }] })?.[0]?.path).toBe('properties.children[0].name')
  })

  it('a schema nested too deeply for ajv, with a message that says so', () => {
    const plan = (levels: number) =>
      trackingPlanSchema.parse({ defaults: false, events: { X: nested(levels) } })
    expect(() => compileTrackingPlan(plan(200))).not.toThrow()
    expect(() => compileTrackingPlan(plan(5000))).toThrow(
      /tracking plan event "X": the schema nests too deeply, or loops through \$ref/,
    )
  })

  it(`an enum of more than ${MAX_ENUM} values (ajv compares every pair at start)`, () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`)
    const compiled = compileTrackingPlan(planOf({ properties: { a: { enum: values(MAX_ENUM) } } }))
    expect(compiled?.check('X', { a: `v${MAX_ENUM - 1}` })).toBeUndefined()
    expect(compiled?.check('X', { a: 'nope' })?.[0]?.rule).toBe('enum:properties.a')
    expect(() => compileTrackingPlan(planOf({ properties: { a: { enum: values(200_000) } } }))).toThrow(
      'tracking plan event "X": an enum lists 200000 values, at most 1000',
    )
    // A keyword's data is not a schema: an enum inside `default` or `const` is a value.
    const data = { default: { enum: values(MAX_ENUM + 1) }, const: { enum: values(MAX_ENUM + 1) } }
    expect(() => compileTrackingPlan(planOf({ properties: { a: data } }))).not.toThrow()
  })

  it('two event names that are the same once Unicode-normalised (é composed or not)', () => {
    const plan = trackingPlanSchema.parse({
      defaults: false,
      events: { 'Caf\u00e9 Visited': {}, 'Cafe\u0301 Visited': {} },
    })
    expect(() => compileTrackingPlan(plan)).toThrow(
      'tracking plan event "Cafe\u0301 Visited": is the event "Caf\u00e9 Visited" written with other Unicode code points',
    )
    // Names are matched exactly: case makes two events, as in Segment.
    const cased = trackingPlanSchema.parse({ defaults: false, events: { Signup: {}, SignUp: {} } })
    expect([...(compileTrackingPlan(cased)?.events ?? [])]).toEqual(['Signup', 'SignUp'])
  })

  it('names a huge refused pattern by its first 200 characters', () => {
    const huge = 'x'.repeat(200_000)
    const plan = planOf({ properties: { a: { type: 'string', pattern: huge } } })
    let message = ''
    try {
      compileTrackingPlan(plan)
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(
      /^SIL_TRACKING_PLAN_INVALID: tracking plan event "X": pattern "x{200}…\(200000 characters\)" is refused: it is too large/,
    )
    expect(message.length).toBeLessThan(1000)
  })
})
