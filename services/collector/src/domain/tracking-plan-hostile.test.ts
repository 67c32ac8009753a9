/**
 * Hostile tracking plans (docs/tracking-plans.md): what the first checks missed, refused when the
 * plan is compiled with SIL_TRACKING_PLAN_INVALID and a reason, never at the first event.
 */
import { describe, expect, it } from 'vitest'
import { trackingPlanSchema } from '@sillage/schemas'
import { compileTrackingPlan, MAX_PLAN_EVENTS, TrackingPlanError } from './tracking-plan.js'
import { MAX_SUBSCHEMAS, MAX_UNIQUE_PAIRWISE } from './tracking-plan-schema-check.js'

/** A plan of these own events, parsed from JSON as the collector reads it. */
const planOf = (events: Record<string, unknown>) =>
  trackingPlanSchema.parse(JSON.parse(JSON.stringify({ mode: 'block', defaults: false, events })))

/** The refusal of a plan, or undefined when it compiles and checks `{}` without throwing. */
function refusal(events: Record<string, unknown>): TrackingPlanError | undefined {
  try {
    const plan = compileTrackingPlan(planOf(events))
    for (const name of Object.keys(events)) plan?.check(name, { a: [1] })
    return undefined
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(TrackingPlanError)
    expect((err as TrackingPlanError).code).toBe('SIL_TRACKING_PLAN_INVALID')
    expect((err as Error).message).toMatch(/^SIL_TRACKING_PLAN_INVALID: tracking plan event "/)
    return err as TrackingPlanError
  }
}

describe('hostile tracking plans are refused at compile, naming the problem', () => {
  it('refuses a $ref loop through the root $id or an anchor (it overflowed the stack on each event)', () => {
    const loops = {
      'by its URL': {
        $id: 'https://plans.example/x.json',
        allOf: [{ $ref: 'https://plans.example/x.json' }],
      },
      'relative $id': { $id: 'x.json', not: { $ref: 'x.json' } },
      'root anchor': { $id: '#top', anyOf: [{ $ref: '#top' }] },
      'by $id, then a pointer': {
        $id: 'y.json',
        definitions: { a: { $ref: 'y.json#/definitions/b' }, b: { $ref: '#/definitions/a' } },
        $ref: '#/definitions/a',
      },
    }
    for (const [name, schema] of Object.entries(loops)) {
      expect(refusal({ [name]: schema })?.message, name).toMatch(/a \$ref loop that never goes down/)
    }
  })

  it('refuses a $id below the root (a $ref by it is a loop no pointer check can follow)', () => {
    const schema = { definitions: { a: { $id: '#inner', not: { $ref: '#inner' } } }, $ref: '#inner' }
    expect(refusal({ E: schema })?.message).toMatch(/a "\$id" \("#inner"\) below the event's root/)
    // The root's own $id, and a tree through it, still compile.
    const tree = { $id: 'tree.json', properties: { child: { $ref: 'tree.json' } } }
    expect(refusal({ E: tree })).toBeUndefined()
    expect(
      compileTrackingPlan(planOf({ E: tree }))?.check('E', { child: { child: { child: 3 } } }),
    ).toBeUndefined()
  })

  it('refuses uniqueItems compared pair by pair without a bound (10,000 items took seconds per event)', () => {
    const unbounded = [
      { type: 'array', uniqueItems: true },
      { type: 'array', uniqueItems: true, items: { type: 'object' } },
      { type: 'array', uniqueItems: true, items: { type: ['string', 'array'] } },
      { type: 'array', uniqueItems: true, maxItems: MAX_UNIQUE_PAIRWISE + 1 },
    ]
    for (const a of unbounded) {
      expect(refusal({ E: { properties: { a } } })?.message, JSON.stringify(a)).toMatch(
        /"uniqueItems" over items of no scalar type compares every pair/,
      )
    }
    const fine = [
      { type: 'array', uniqueItems: true, items: { type: 'string' } },
      { type: 'array', uniqueItems: true, items: { type: ['integer', 'null'] } },
      { type: 'array', uniqueItems: true, maxItems: MAX_UNIQUE_PAIRWISE },
      { type: 'array', uniqueItems: false },
    ]
    for (const a of fine) expect(refusal({ E: { properties: { a } } }), JSON.stringify(a)).toBeUndefined()
    const plan = compileTrackingPlan(planOf({ E: { properties: { a: fine[0] } } }))
    const many = Array.from({ length: 10_000 }, (_, i) => `v${i}`)
    expect(plan?.check('E', { a: many })).toBeUndefined()
    expect(plan?.check('E', { a: [...many, 'v1'] })?.[0]?.rule).toBe('uniqueItems:properties.a')
  })

  it('refuses a plan of too many events, or an event of too many schemas', () => {
    const events = Object.fromEntries(Array.from({ length: MAX_PLAN_EVENTS + 1 }, (_, i) => [`E${i}`, {}]))
    expect(refusal(events)?.message).toMatch(/the plan names 2001 events, at most 2000/)
    const properties = Object.fromEntries(
      Array.from({ length: MAX_SUBSCHEMAS }, (_, i) => [`p${i}`, { type: 'string' }]),
    )
    expect(refusal({ Wide: { properties } })?.message).toMatch(/the schema has 10001 parts/)
  })
})
