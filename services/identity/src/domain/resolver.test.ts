import { describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { personIdFor } from './person-id.js'
import { createResolver } from './resolver.js'

let seq = 0
function ev(fields: Partial<EnrichedEvent> & { type: EnrichedEvent['type'] }): EnrichedEvent {
  seq += 1
  return {
    messageId: `m${seq}`,
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: new Date(Date.UTC(2026, 0, 1) + seq).toISOString(),
    sourceId: 'web',
    ...(fields.type === 'track' ? { event: 'E' } : {}),
    ...fields,
  } as EnrichedEvent
}

const anonPerson = (a: string) => personIdFor('anonymous_id', a)
const userPerson = (u: string) => personIdFor('user_id', u)

describe('createResolver', () => {
  it('gives an anonymous visitor a person derived from the anonymous id', () => {
    const r = createResolver()
    expect(r.resolve(ev({ type: 'track', anonymousId: 'a1' })).personId).toBe(anonPerson('a1'))
  })

  it('attaches the anonymous id to the user on identify, with an override for the earlier events', () => {
    const r = createResolver()
    r.resolve(ev({ type: 'page', anonymousId: 'a1' }))
    const res = r.resolve(ev({ type: 'identify', anonymousId: 'a1', userId: 'u1' }))
    expect(res.personId).toBe(userPerson('u1'))
    expect(res.overrides).toEqual([
      expect.objectContaining({ old_person_id: anonPerson('a1'), person_id: userPerson('u1') }),
    ])
    expect(res.identities.map((i) => [i.id_type, i.id_value])).toEqual([
      ['user_id', 'u1'],
      ['anonymous_id', 'a1'],
    ])
    // Later anonymous events of that device go straight to the customer.
    expect(r.resolve(ev({ type: 'track', anonymousId: 'a1' })).personId).toBe(userPerson('u1'))
  })

  it('is idempotent: identifying again writes nothing new', () => {
    const r = createResolver()
    r.resolve(ev({ type: 'identify', anonymousId: 'a1', userId: 'u1' }))
    const again = r.resolve(ev({ type: 'identify', anonymousId: 'a1', userId: 'u1' }))
    expect(again.identities).toEqual([])
    expect(again.overrides).toEqual([])
  })

  it('on a shared device, later events go to the last user and nothing is re-attributed', () => {
    const r = createResolver()
    r.resolve(ev({ type: 'identify', anonymousId: 'shared', userId: 'alice' }))
    const bob = r.resolve(ev({ type: 'identify', anonymousId: 'shared', userId: 'bob' }))
    expect(bob.overrides).toEqual([])
    expect(r.resolve(ev({ type: 'track', anonymousId: 'shared' })).personId).toBe(userPerson('bob'))
  })

  it('alias attaches previousId to the user', () => {
    const r = createResolver()
    const res = r.resolve(ev({ type: 'alias', previousId: 'a9', userId: 'u9' }))
    expect(res.overrides.map((o) => o.old_person_id)).toEqual([anonPerson('a9')])
    expect(r.resolve(ev({ type: 'track', anonymousId: 'a9' })).personId).toBe(userPerson('u9'))
  })

  it('rebuilds from known links after a restart', () => {
    const r = createResolver([['a1', userPerson('u1')]])
    expect(r.resolve(ev({ type: 'track', anonymousId: 'a1' })).personId).toBe(userPerson('u1'))
    expect(r.resolve(ev({ type: 'identify', anonymousId: 'a1', userId: 'u1' })).overrides).toEqual([])
  })
})
