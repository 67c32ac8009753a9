import { describe, expect, it } from 'vitest'
import { VERSION_STRIDE, createIdentityGraph, type EdgeInput } from './identity-graph.js'
import { selfPerson, type Identifier } from './identifiers.js'
import { createIdentityRules } from '@sillage/identifiers'
import { decodeChangelog, encodeDelta } from './messages.js'

const rules = createIdentityRules()
const id = (type: string, value: string): Identifier => ({ type, value })
let offset = 0
const edge = (ids: Identifier[], login?: { anonymous: string; user: string }): EdgeInput => ({
  src: { topic: 'events.raw', partition: 0, offset: offset++ },
  messageId: `m${offset}`,
  timestamp: '2026-01-01T00:00:00.000Z',
  ids,
  login,
})

function edges(): EdgeInput[] {
  offset = 0
  return [
    edge([id('anonymous_id', 'd1'), id('email', 'e1')]),
    edge([id('anonymous_id', 'd2'), id('email', 'e1')]),
    edge([id('user_id', 'u1'), id('anonymous_id', 'home')], { anonymous: 'home', user: 'u1' }),
    edge([id('user_id', 'u1'), id('email', 'e1'), id('anonymous_id', 'd3')], { anonymous: 'd3', user: 'u1' }),
    edge([id('user_id', 'u2'), id('anonymous_id', 'home')], { anonymous: 'home', user: 'u2' }),
    edge([id('loyalty_card', 'L1'), id('anonymous_id', 'pos1')]),
    edge([id('user_id', 'u2'), id('loyalty_card', 'L1')]),
  ]
}

const keys = [
  'anonymous_id:d1',
  'anonymous_id:d2',
  'anonymous_id:d3',
  'anonymous_id:home',
  'email:e1',
  'user_id:u1',
  'user_id:u2',
  'loyalty_card:L1',
  'anonymous_id:pos1',
]

/** A resolver fed the edges, and a view rebuilt from the changelog records it wrote. */
function resolverAndView() {
  const resolver = createIdentityGraph(rules)
  const view = createIdentityGraph(rules)
  edges().forEach((e, i) => {
    resolver.applyEdge(e, i * VERSION_STRIDE)
    for (const r of encodeDelta(resolver.drain())) {
      const m = decodeChangelog(r.key, r.value)
      if (m && m.kind !== 'barrier') view.applyRecord(m)
    }
  })
  return { resolver, view }
}

describe('identity graph', () => {
  it('a view rebuilt from the changelog holds the same graph as the resolver', () => {
    const { resolver, view } = resolverAndView()
    for (const k of keys) {
      expect(view.personOf(k), k).toBe(resolver.personOf(k))
      expect(view.loginsOf(k), k).toEqual(resolver.loginsOf(k))
    }
    for (const p of ['anonymous_id:d1', 'email:e1', 'loyalty_card:L1'].map((k) =>
      selfPerson(id(k.split(':')[0]!, k.split(':')[1]!)),
    )) {
      expect(view.resolve(p)).toBe(resolver.resolve(p))
    }
    expect(view.stats()).toEqual(resolver.stats())
    expect(view.sourceOffset('events.raw', 0)).toBe(resolver.sourceOffset('events.raw', 0))
  })

  it("forgets an erasure's identifiers and overrides from the changelog's tombstones", () => {
    const { resolver, view } = resolverAndView()
    // The person of e1 (d1, d2, d3, home, u1, …) is erased, as services/admin does it.
    const person = view.personOf('email:e1')!
    const members = view.membersOf(person)
    const merged = [...new Set(members.map((k) => selfPerson(id(k.split(':')[0]!, k.split(':')[1]!))))]
    const before = view.stats()
    const tombstones = [
      ...members.map((k) => `i:${k}`),
      ...merged.filter((p) => view.resolve(p) !== p).map((p) => `o:${p}`),
    ]
    expect(tombstones.length).toBeGreaterThan(members.length) // overrides are erased too
    for (const key of tombstones) {
      const m = decodeChangelog(key, Buffer.alloc(0))
      if (m && m.kind !== 'barrier') view.applyRecord(m)
    }
    for (const k of members) expect(view.personOf(k), k).toBeUndefined()
    expect(view.membersOf(person)).toEqual([])
    for (const p of merged) expect(view.resolve(p)).toBe(p)
    const after = view.stats()
    expect(after.identifiers).toBe(before.identifiers - members.length)
    expect(after.overrides).toBe(before.overrides - (tombstones.length - members.length))
    // Nobody else is touched.
    for (const k of keys.filter((k) => !members.includes(k)))
      expect(view.personOf(k), k).toBe(resolver.personOf(k))
  })

  it('a clone of a view decides the next edges exactly as the resolver that wrote it', () => {
    const resolver = createIdentityGraph(rules)
    const view = createIdentityGraph(rules)
    const all = edges()
    all.slice(0, 4).forEach((e, i) => {
      resolver.applyEdge(e, i * VERSION_STRIDE)
      for (const r of encodeDelta(resolver.drain())) {
        const m = decodeChangelog(r.key, r.value)
        if (m && m.kind !== 'barrier') view.applyRecord(m)
      }
    })
    const successor = view.clone()
    all.slice(4).forEach((e, i) => {
      resolver.applyEdge(e, (i + 4) * VERSION_STRIDE)
      successor.applyEdge(e, (i + 4) * VERSION_STRIDE)
    })
    expect(successor.drain()).toEqual(resolver.drain())
    // The clone is independent of the view it was taken from.
    expect(view.personOf('user_id:u2')).toBeUndefined()
  })

  it('records the login history of a shared device, and its person follows the last login', () => {
    const g = createIdentityGraph(rules)
    edges().forEach((e, i) => g.applyEdge(e, i * VERSION_STRIDE))
    expect(g.loginsOf('anonymous_id:home')?.map((l) => [l.offset, l.person])).toEqual([
      [2, selfPerson(id('user_id', 'u1'))],
      [4, selfPerson(id('user_id', 'u2'))],
    ])
    expect(g.personOf('anonymous_id:home')).toBe(selfPerson(id('user_id', 'u2')))
    expect(g.membersOf(selfPerson(id('user_id', 'u1')))).not.toContain('anonymous_id:home')
  })

  it('writes one audit row per decided link, with the causing event', () => {
    const g = createIdentityGraph(rules)
    edges().forEach((e, i) => g.applyEdge(e, i * VERSION_STRIDE))
    const audit = g.drain().audit
    expect(audit.map((a) => `${a.decision}:${a.reason}`)).toEqual([
      'attach:new_identifier',
      'attach:new_identifier',
      'attach:new_identifier',
      'merge:link',
      'attach:new_identifier',
      'attach:shared_device',
      'attach:new_identifier',
      'merge:link',
    ])
    expect(new Set(audit.map((a) => a.mergeId)).size).toBe(audit.length)
    expect(audit.every((a) => a.messageId.startsWith('m'))).toBe(true)
  })
})
