import { describe, expect, it } from 'vitest'
import { scrubSchema } from '@sillage/schemas'
import { sha256Hex } from '@sillage/identifiers'
import { createSuppressionList, suppressionKey } from '@sillage/identifiers'
import { ingestItems, type DeadLetter } from './ingest.js'
import { createScrubber } from './scrub.js'
import { suppressedCheck } from './suppress.js'

const base = {
  receivedAt: Date.parse('2026-01-01T12:00:10.000Z'),
  sourceId: 'web',
  newMessageId: () => 'gen-1',
  maxEventBytes: 32 * 1024,
}

const parse = (b: Buffer): Record<string, unknown> => JSON.parse(b.toString()) as Record<string, unknown>

describe('ingestItems: suppression of erased identifiers', () => {
  const list = createSuppressionList()
  list.add(suppressionKey({ type: 'anonymous_id', value: 'erased-device' }))
  list.add(suppressionKey({ type: 'email', value: sha256Hex('gone@example.com') }))
  const isSuppressed = suppressedCheck(list)

  it('refuses events carrying an erased identifier with SIL_EVENT_SUPPRESSED, and keeps no content', () => {
    const result = ingestItems(
      [
        { type: 'track', event: 'Late', anonymousId: 'erased-device', messageId: 'm1', properties: { a: 1 } },
        { type: 'identify', userId: 'new-user', messageId: 'm2', traits: { email: ' Gone@Example.com' } },
        { type: 'track', event: 'Kept', anonymousId: 'other-device', messageId: 'm3' },
      ],
      { ...base, isSuppressed },
    )
    expect(result.rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'SIL_EVENT_SUPPRESSED'],
      [1, 'SIL_EVENT_SUPPRESSED'],
    ])
    expect(result.accepted.map((m) => parse(m.value)['messageId'])).toEqual(['m3'])
    const letters = result.deadLetters.map((m) => parse(m.value) as unknown as DeadLetter)
    expect(letters.map((l) => l.payload)).toEqual([
      { type: 'track', messageId: 'm1', event: 'Late' },
      { type: 'identify', messageId: 'm2' },
    ])
    for (const m of result.deadLetters) {
      expect(m.key).toBeNull()
      expect(m.value.toString()).not.toMatch(/erased-device|gone@example/i)
    }
  })

  it('looks at the source’s own hash and keep paths that name an email or phone', () => {
    const rules = scrubSchema.parse({
      hash: ['properties.products.*.buyer_email'],
      keep: ['traits.alt_email'],
    })
    const check = suppressedCheck(list, rules)!
    const order = { type: 'track', event: 'Order Completed', userId: 'u1', messageId: 'm1' }
    const result = ingestItems(
      [
        { ...order, properties: { products: [{ buyer_email: 'GONE@example.com' }] } },
        { type: 'identify', userId: 'u2', messageId: 'm2', traits: { alt_email: 'gone@example.com' } },
        { ...order, messageId: 'm3', properties: { products: [{ buyer_email: 'kept@example.com' }] } },
      ],
      { ...base, isSuppressed: check, scrub: createScrubber(rules) },
    )
    expect(result.rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'SIL_EVENT_SUPPRESSED'],
      [1, 'SIL_EVENT_SUPPRESSED'],
    ])
    expect(parse(result.accepted[0]!.value)['properties']).toEqual({
      products: [{ buyer_email: sha256Hex('kept@example.com') }],
    })
    // Without the source's rules, nothing names those keys an email.
    expect(
      ingestItems([{ ...order, properties: { products: [{ buyer_email: 'gone@example.com' }] } }], {
        ...base,
        isSuppressed,
      }).rejected,
    ).toEqual([])
  })

  it('suppresses nothing without a list, or with an empty one', () => {
    const event = { type: 'track', event: 'E', anonymousId: 'erased-device' }
    expect(ingestItems([event], base).accepted).toHaveLength(1)
    const empty = suppressedCheck(createSuppressionList())
    expect(ingestItems([{ ...event }], { ...base, isSuppressed: empty }).accepted).toHaveLength(1)
  })
})

describe('ingestItems: PII scrubbing', () => {
  const scrub = createScrubber(scrubSchema.parse({}))

  it('stores hashed emails and no names', () => {
    const result = ingestItems(
      [
        {
          type: 'identify',
          userId: 'u1',
          traits: { email: 'Jane@Example.com', first_name: 'Jane', plan: 'gold' },
        },
      ],
      { ...base, scrub },
    )
    const stored = parse(result.accepted[0]!.value)
    expect(stored['traits']).toEqual({ email: sha256Hex('jane@example.com'), plan: 'gold' })
  })

  it('scrubs the payload of a dead letter too', () => {
    const result = ingestItems(
      [{ type: 'identify', traits: { email: 'jane@example.com', last_name: 'Doe' } }],
      { ...base, scrub },
    )
    expect(result.rejected[0]?.code).toBe('SIL_EVENT_NO_IDENTITY')
    const letter = parse(result.deadLetters[0]!.value) as unknown as DeadLetter
    expect(letter.payload).toEqual({ type: 'identify', traits: { email: sha256Hex('jane@example.com') } })
  })
})
