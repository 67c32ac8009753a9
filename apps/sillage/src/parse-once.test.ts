import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ingestItems } from '@sillage/collector'
import { createIdentityRules, extractIdentifiers, toEventRow } from '@sillage/identity'
import { hashEventPii } from '@sillage/identifiers'
import type { EnrichedEvent } from '@sillage/schemas'

// Embedded mode hands identity the collector's own parsed event with its bytes (the local bus's
// tail, BusRecord.parsed) instead of identity parsing the bytes again. That is only right if
// identity makes the same rows and finds the same identifiers from either: checked here over
// arbitrary events, including the fields that enrichment sets to undefined (dropped by the bytes).
const rules = createIdentityRules({})
const json = fc.jsonValue({ maxDepth: 3 })
const dict = fc.dictionary(fc.string({ maxLength: 12 }), json, { maxKeys: 6 })
const id = fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined })
const arbitraryEvent = fc.record(
  {
    type: fc.constantFrom('track', 'page', 'identify', 'screen', 'group', 'alias'),
    event: fc.string({ minLength: 1, maxLength: 20 }),
    name: fc.string({ maxLength: 20 }),
    anonymousId: id,
    userId: id,
    groupId: fc.string({ minLength: 1, maxLength: 10 }),
    previousId: fc.string({ minLength: 1, maxLength: 10 }),
    messageId: id,
    timestamp: fc.option(fc.constantFrom('2026-01-01T11:00:00.000Z', '2026-01-01T11:00:00Z', 'not a date')),
    sentAt: fc.option(fc.constant('2026-01-01T12:00:09.000Z'), { nil: undefined }),
    properties: dict,
    traits: fc.oneof(
      dict,
      fc.record({
        email: fc.constantFrom(' Ann@Example.COM ', 'x@y.z'),
        phone: fc.constant('+33 6 12 34 56 78'),
      }),
    ),
    context: fc.record(
      {
        ip: fc.constantFrom('203.0.113.9', '2001:db8::1'),
        page: fc.record({ url: fc.webUrl(), path: fc.string(), referrer: fc.string() }, { requiredKeys: [] }),
        campaign: dict,
        traits: fc.record({ email: fc.constant('Ann@example.com') }),
        externalIds: fc.constant([
          { id: 'Ann@Example.com', type: 'email', collection: 'users', encoding: 'none' },
        ]),
        consent: fc.record({ categories: fc.array(fc.constantFrom('analytics', 'marketing')) }),
        library: fc.record({ name: fc.string(), version: fc.string() }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['type'] },
)

describe('parse once: identity reads the collector’s parsed event as it would read its bytes', () => {
  it('the same event row and the same identifiers, for arbitrary events', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEvent, { maxLength: 8 }), (items) => {
        const result = ingestItems(JSON.parse(JSON.stringify(items)) as unknown[], {
          receivedAt: Date.parse('2026-01-01T12:00:10.000Z'),
          sourceId: 'web',
          newMessageId: () => 'generated-id',
          maxEventBytes: 32 * 1024,
          ip: '198.51.100.7',
          userAgent: 'Mozilla/5.0',
          gpc: true,
          parseUserAgent: () => ({
            browser: 'Chrome',
            browserVersion: '1',
            os: 'Linux',
            deviceType: '',
            bot: false,
          }),
        })
        for (const message of result.accepted) {
          const parsed = message.parsed as EnrichedEvent
          const fromBytes = JSON.parse(message.value.toString('utf8')) as EnrichedEvent
          expect(toEventRow(hashEventPii(rules, parsed), 'p1')).toStrictEqual(
            toEventRow(hashEventPii(rules, fromBytes), 'p1'),
          )
          expect(extractIdentifiers(rules, parsed)).toStrictEqual(extractIdentifiers(rules, fromBytes))
        }
      }),
      { numRuns: 300 },
    )
  })
})
