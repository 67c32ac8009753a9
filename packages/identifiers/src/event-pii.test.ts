import { describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { sha256Hex } from './pii.js'
import { createIdentityRules } from './identity-rules.js'
import { hashEventPii } from './event-pii.js'

const rules = createIdentityRules()
const base = { messageId: 'm', timestamp: 't', receivedAt: 't', sourceId: 's', anonymousId: 'a' }

describe('hashEventPii', () => {
  it('stores emails and phones of traits, context.traits and externalIds as their hashes', () => {
    const event = {
      ...base,
      type: 'identify',
      traits: { email: ' Jane@X.io ', phone: '0033612345678', name: 'Jane' },
      context: {
        traits: { email: 'jane@x.io' },
        externalIds: [
          { type: 'email', id: 'JANE@x.io' },
          { type: 'crm_id', id: 'c1' },
        ],
      },
    } as EnrichedEvent
    const stored = hashEventPii(rules, event) as EnrichedEvent & { traits: Record<string, unknown> }
    const h = sha256Hex('jane@x.io')
    expect(stored.traits).toEqual({ email: h, phone: sha256Hex('+33612345678'), name: 'Jane' })
    expect(stored.context?.['traits']).toEqual({ email: h })
    expect(stored.context?.externalIds).toEqual([
      { type: 'email', id: h },
      { type: 'crm_id', id: 'c1' },
    ])
    expect(JSON.stringify(stored)).not.toMatch(/jane@/i)
    expect((event as { traits: Record<string, unknown> }).traits['email']).toBe(' Jane@X.io ') // not mutated
  })

  it('hashes a malformed email too, and returns the event itself when there is nothing to hash', () => {
    const bad = hashEventPii(rules, {
      ...base,
      type: 'identify',
      traits: { email: 'Not An Email' },
    } as EnrichedEvent)
    expect((bad as { traits: Record<string, unknown> }).traits['email']).toBe(sha256Hex('not an email'))
    const plain = { ...base, type: 'track', event: 'E', properties: { email: 'kept@x.io' } } as EnrichedEvent
    expect(hashEventPii(rules, plain)).toBe(plain)
  })
})
