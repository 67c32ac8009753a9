import { describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createIdentityGraph, type Login } from './identity-graph.js'
import { selfPerson } from './identifiers.js'
import { createIdentityRules } from '@sillage/identifiers'
import { createStitcher, loginAsOf } from './stitcher.js'

const rules = createIdentityRules()
const U = (u: string) => selfPerson({ type: 'user_id', value: u })
const D = (a: string) => selfPerson({ type: 'anonymous_id', value: a })
let n = 0
const ev = (f: Record<string, unknown>) =>
  ({
    type: 'track',
    event: 'E',
    messageId: `m${++n}`,
    timestamp: 't',
    receivedAt: 't',
    sourceId: 's',
    ...f,
  }) as EnrichedEvent

describe('loginAsOf', () => {
  const logins: Login[] = [
    { partition: 0, offset: 10, person: 'A' },
    { partition: 0, offset: 20, person: 'B' },
    { partition: 1, offset: 5, person: 'X' },
  ]
  it.each([
    [15, 'A'],
    [21, 'B'],
    [20, 'A'],
  ])('at offset %i the device belongs to %s', (offset, person) => {
    expect(loginAsOf(logins, 0, offset)).toBe(person)
  })
  it('before the first login of its partition it is the device itself; without logins, unknown', () => {
    expect(typeof loginAsOf(logins, 0, 3)).toBe('symbol')
    expect(loginAsOf(undefined, 0, 3)).toBeUndefined()
    expect(loginAsOf(logins, 2, 30)).toBeUndefined()
  })
})

describe('stitcher', () => {
  it('stamps a device’s anonymous events with its last login, within the batch and after commit', () => {
    const s = createStitcher(rules, createIdentityGraph(rules))
    const scope = s.begin('events.raw', 0)
    expect(scope.stitch(ev({ anonymousId: 'd' }), 0).personId).toBe(D('d'))
    const login = scope.stitch(ev({ anonymousId: 'd', userId: 'alice' }), 1)
    expect(login.personId).toBe(U('alice'))
    expect(login.edge?.login).toEqual({ anonymous: 'd', user: 'alice' })
    expect(scope.stitch(ev({ anonymousId: 'd' }), 2).personId).toBe(U('alice'))
    scope.commit()
    expect(s.begin('events.raw', 0).stitch(ev({ anonymousId: 'd' }), 3).personId).toBe(U('alice'))
  })

  it('sends an edge only when the event may change the graph', () => {
    const s = createStitcher(rules, createIdentityGraph(rules))
    const scope = s.begin('events.raw', 0)
    expect(scope.stitch(ev({ anonymousId: 'd' }), 0).edge).toBeUndefined()
    expect(scope.stitch(ev({ anonymousId: 'd', userId: 'u' }), 1).edge).toBeDefined()
    expect(scope.stitch(ev({ anonymousId: 'd', userId: 'u' }), 2).edge).toBeUndefined()
    expect(scope.stitch(ev({ anonymousId: 'd', userId: 'v' }), 3).edge).toBeDefined()
  })

  it('a batch that is not committed leaves nothing behind: its redelivery stamps the same', () => {
    const s = createStitcher(rules, createIdentityGraph(rules))
    const batch = [
      ev({ anonymousId: 'd', userId: 'alice' }),
      ev({ anonymousId: 'd' }),
      ev({ anonymousId: 'd', userId: 'bob' }),
    ]
    const first = s.begin('events.raw', 0)
    batch.forEach((e, i) => first.stitch(e, i))
    const other = s.begin('events.raw', 0)
    expect(other.stitch(ev({ anonymousId: 'd' }), 0).personId).toBe(D('d'))
  })

  it('with a view ahead of the batch (a redelivery after its edges were applied), stamps as of each offset', () => {
    const view = {
      personOf: () => U('bob'),
      loginsOf: (): Login[] => [
        { partition: 0, offset: 1, person: U('alice') },
        { partition: 0, offset: 3, person: U('bob') },
      ],
    }
    const scope = createStitcher(rules, view).begin('events.raw', 0)
    expect(scope.stitch(ev({ anonymousId: 'd' }), 0).personId).toBe(D('d'))
    expect(scope.stitch(ev({ anonymousId: 'd' }), 2).personId).toBe(U('alice'))
    expect(scope.stitch(ev({ anonymousId: 'd' }), 4).personId).toBe(U('bob'))
  })

  it('reset forgets the local logins of a partition (another instance may have had it)', () => {
    const s = createStitcher(rules, createIdentityGraph(rules))
    const scope = s.begin('events.raw', 0)
    scope.stitch(ev({ anonymousId: 'd', userId: 'alice' }), 0)
    scope.commit()
    s.reset(0)
    expect(s.begin('events.raw', 0).stitch(ev({ anonymousId: 'd' }), 1).personId).toBe(D('d'))
  })

  it('an event without a valid identifier gets no person', () => {
    const s = createStitcher(rules, createIdentityGraph(rules))
    expect(s.begin('events.raw', 0).stitch(ev({ anonymousId: 'null' }), 0).personId).toBe('')
  })
})
