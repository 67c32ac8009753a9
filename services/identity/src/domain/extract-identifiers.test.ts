import { describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { extractIdentifiers, MAX_IDENTIFIERS_PER_EVENT } from './extract-identifiers.js'
import { sha256Hex } from './identifiers.js'
import { createIdentityRules } from '@sillage/identifiers'

const rules = createIdentityRules()
const base = {
  messageId: 'm',
  timestamp: '2026-01-01T00:00:00.000Z',
  receivedAt: '2026-01-01T00:00:00.000Z',
  sourceId: 's',
}
const ev = (f: Record<string, unknown>) => ({ ...base, type: 'track', event: 'E', ...f }) as EnrichedEvent
const types = (e: EnrichedEvent) => extractIdentifiers(rules, e).ids.map((r) => `${r.id.type}:${r.id.value}`)

describe('extractIdentifiers', () => {
  it('takes every source, ranks them (user first, anonymous last) and hashes emails and phones', () => {
    const x = extractIdentifiers(
      rules,
      ev({
        type: 'identify',
        anonymousId: 'a1',
        userId: 'u1',
        traits: { email: 'A@B.io', phone: '+33612345678', loyaltyCard: 'LC-1' },
        context: { device: { id: 'dev-1' }, externalIds: [{ type: 'CRM.Id', id: 7 }] },
      }),
    )
    expect(x.ids.map((r) => `${r.id.type}:${r.id.value}`)).toEqual([
      'user_id:u1',
      `email:${sha256Hex('a@b.io')}`,
      `phone:${sha256Hex('+33612345678')}`,
      'loyalty_card:LC-1',
      'crm_id:7',
      'device_id:dev-1',
      'anonymous_id:a1',
    ])
    expect(x.user?.id.value).toBe('u1')
    expect(x.anonymous?.id.value).toBe('a1')
    expect(x.warnings).toEqual([])
  })

  it('reads context.traits on any call, properties.loyalty_card on track, never group traits', () => {
    expect(types(ev({ anonymousId: 'a', context: { traits: { email: 'c@d.io' } } }))).toContain(
      `email:${sha256Hex('c@d.io')}`,
    )
    expect(types(ev({ anonymousId: 'a', properties: { loyalty_card: 'LC-9' } }))).toContain(
      'loyalty_card:LC-9',
    )
    expect(
      types(ev({ type: 'group', groupId: 'g', anonymousId: 'a', traits: { email: 'corp@x.io' } })),
    ).toEqual(['anonymous_id:a'])
  })

  it('takes an alias previousId as an anonymous id, and warns about an alias to itself', () => {
    expect(types(ev({ type: 'alias', previousId: 'old', userId: 'u1' }))).toEqual([
      'user_id:u1',
      'anonymous_id:old',
    ])
    const self = extractIdentifiers(rules, ev({ type: 'alias', previousId: 'u1', userId: 'u1' }))
    expect(self.ids.map((r) => r.id.type)).toEqual(['user_id'])
    expect(self.warnings.map((w) => w.code)).toEqual(['self_alias'])
  })

  it('warns about blocked values without keeping raw emails, and about events left with no identifier', () => {
    const x = extractIdentifiers(
      rules,
      ev({ anonymousId: 'null', userId: 'Anonymous', context: { traits: { email: 'oops' } } }),
    )
    expect(x.ids).toEqual([])
    expect(x.warnings).toEqual([
      { code: 'blocked_value', idType: 'user_id', detail: 'anonymous' },
      { code: 'blocked_value', idType: 'anonymous_id', detail: 'null' },
      { code: 'invalid_email', idType: 'email', detail: '' },
      { code: 'no_identifier', idType: '', detail: '' },
    ])
  })

  it('refuses objects and booleans as values, and unusable externalIds types', () => {
    const x = extractIdentifiers(
      rules,
      ev({
        anonymousId: 'a',
        context: { device: { id: { nested: 1 } }, externalIds: [{ type: '42', id: 'x' }] },
      }),
    )
    expect(x.warnings.map((w) => w.code)).toEqual(['blocked_value', 'invalid_identifier_type'])
  })

  it('keeps at most MAX_IDENTIFIERS_PER_EVENT identifiers, the highest-ranked ones', () => {
    const externalIds = Array.from({ length: 40 }, (_, i) => ({ type: 'crm_id', id: `c${i}` }))
    const x = extractIdentifiers(rules, ev({ anonymousId: 'a', userId: 'u', context: { externalIds } }))
    expect(x.ids).toHaveLength(MAX_IDENTIFIERS_PER_EVENT)
    expect(x.user).toBeDefined()
    expect(x.anonymous).toBeUndefined()
    expect(x.warnings.map((w) => w.code)).toEqual(['too_many_identifiers'])
  })
})
