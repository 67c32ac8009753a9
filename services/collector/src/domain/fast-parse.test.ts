import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { eventSchema } from '@sillage/schemas'
import { fastParse } from './fast-parse.js'

// The fast path must never accept what the zod schema refuses, nor answer differently.
const str = (max: number) =>
  fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: max - 1, maxLength: max + 1 }))
const junk = fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.constant([]), fc.constant({}))
const maybe = <T>(arb: fc.Arbitrary<T>) =>
  fc.option(fc.oneof({ weight: 30, arbitrary: arb }, { weight: 1, arbitrary: junk }), { nil: undefined })
const date = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .date({ min: new Date(-1e12), max: new Date(5e12), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  fc.constantFrom(
    '2026-01-01T10:00:00+02:00',
    '2026-13-40T99:00:00.000Z',
    'yesterday',
    '1969-12-31T23:59:59.999Z',
  ),
  fc.integer(),
)
const sub = (keys: string[], max: number) =>
  fc.record(Object.fromEntries(keys.map((k) => [k, maybe(str(max))])), { requiredKeys: [] })
const context = fc.record(
  {
    ip: maybe(str(64)),
    userAgent: maybe(str(1024)),
    locale: maybe(str(64)),
    sessionId: maybe(fc.oneof(str(512), fc.integer())),
    page: maybe(sub(['url', 'path', 'title'], 1024)),
    campaign: maybe(sub(['name', 'source'], 512)),
    library: maybe(sub(['name', 'version'], 64)),
    consent: maybe(
      fc.record(
        {
          categories: maybe(fc.array(str(64), { maxLength: 34 })),
          policyVersion: maybe(str(64)),
          gpc: maybe(fc.boolean()),
          extra: fc.string(),
        },
        { requiredKeys: [] },
      ),
    ),
    externalIds: fc.option(fc.constant([{ id: 'x', type: 'email' }]), { nil: undefined, freq: 10 }),
    custom: fc.string(),
  },
  { requiredKeys: [] },
)
const event = fc.record(
  {
    type: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('track', 'page', 'screen', 'identify') },
      { weight: 1, arbitrary: fc.constantFrom('group', 'alias', 'other') },
    ),
    event: maybe(str(512)),
    name: maybe(str(512)),
    category: maybe(str(512)),
    messageId: maybe(
      fc.oneof({ weight: 10, arbitrary: str(512) }, { weight: 1, arbitrary: fc.constant('') }),
    ),
    anonymousId: maybe(fc.oneof(str(512), fc.integer(), fc.double())),
    userId: maybe(fc.oneof(str(512), fc.integer())),
    timestamp: maybe(date),
    sentAt: maybe(date),
    context: maybe(context),
    integrations: maybe(fc.dictionary(fc.string(), fc.boolean())),
    properties: maybe(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }))),
    traits: maybe(fc.dictionary(fc.string(), fc.string())),
    version: maybe(fc.oneof(fc.integer(), fc.string())),
    channel: maybe(str(64)),
    unknown: fc.string(),
  },
  { requiredKeys: ['type'] },
)

describe('fastParse', () => {
  it('agrees with the zod schema: whatever it accepts, zod accepts with the same output', () => {
    let fast = 0
    fc.assert(
      fc.property(event, (input) => {
        const clean = JSON.parse(JSON.stringify(input)) as Record<string, unknown>
        const result = fastParse(clean)
        if (result === undefined) return
        fast += 1
        const reference = eventSchema.safeParse(JSON.parse(JSON.stringify(input)))
        expect(reference.success).toBe(true)
        expect(result).toEqual(reference.data)
      }),
      { numRuns: 5000 },
    )
    expect(fast).toBeGreaterThan(150) // the property did exercise the fast path
  })

  it("reads a batch's sentAt for an event without its own, as zod does on the merged event", () => {
    fc.assert(
      fc.property(event, date, (input, batchSentAt) => {
        const clean = JSON.parse(JSON.stringify(input)) as Record<string, unknown>
        const sentAt = typeof batchSentAt === 'string' ? batchSentAt : undefined
        const before = JSON.stringify(clean)
        const result = fastParse(clean, sentAt)
        expect(JSON.stringify(clean)).toBe(before) // read, not written into the event
        if (result === undefined) return
        const merged = clean['sentAt'] === undefined && sentAt ? { ...clean, sentAt } : clean
        const reference = eventSchema.safeParse(merged)
        expect(reference.success).toBe(true)
        expect(result).toEqual(reference.data)
      }),
      { numRuns: 2000 },
    )
  })

  it('takes the fast path for a typical SDK event', () => {
    const e = {
      type: 'track',
      event: 'Product Viewed',
      messageId: 'm1',
      anonymousId: 'a1',
      timestamp: '2026-01-01T10:00:00.000Z',
      properties: { product_id: 'p1' },
      context: {
        page: { path: '/p' },
        library: { name: 'sillage.js' },
        consent: { categories: ['analytics'] },
      },
    }
    expect(fastParse(e)).toEqual(eventSchema.parse(e))
  })
})
