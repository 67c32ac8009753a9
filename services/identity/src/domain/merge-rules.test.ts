import { describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { idKey, rankOf, selfPerson, sha256Hex, type Identifier } from './identifiers.js'
import { createIdentityRules, type IdentityRules, type IdentityRulesInput } from '@sillage/identifiers'
import { decideLink, type LinkDecision, type LinkSide, type PersonView } from './merge-rules.js'
import { simulate, type SimulationResult } from './simulation.js'

const rules = createIdentityRules()
const user = (v: string): Identifier => ({ type: 'user_id', value: v })
const anon = (v: string): Identifier => ({ type: 'anonymous_id', value: v })
const email = (v: string): Identifier => ({ type: 'email', value: sha256Hex(v) })
const P = (id: Identifier): string => selfPerson(id)

// --- decideLink: the pure decision ---------------------------------------------------------------

/** A side whose person holds `members` (the first identifier given is the one linked). */
function sideOf(id: Identifier, members: Identifier[] = [], r: IdentityRules = rules): LinkSide {
  const all = [id, ...members]
  const ranks = all
    .map((m) => rankOf(r, m))
    .sort((a, b) => b.priority - a.priority || (a.hash < b.hash ? -1 : 1))
  const counts = new Map<string, number>()
  for (const m of all) counts.set(m.type, (counts.get(m.type) ?? 0) + 1)
  const person: PersonView = {
    personId: ranks[0]!.hash,
    anchor: ranks[0]!,
    counts,
    fresh: members.length === 0,
  }
  return { id, key: idKey(id), rank: rankOf(r, id), person }
}
/** An existing one-identifier person (not fresh). */
function single(id: Identifier): LinkSide {
  const s = sideOf(id)
  return { ...s, person: { ...s.person, fresh: false } }
}

/** The identifier with the smallest self-person hash: the anchor among identifiers of one type. */
const anchorOf = (ids: Identifier[]): Identifier => [...ids].sort((a, b) => (P(a) < P(b) ? -1 : 1))[0]!

const u1 = user('u1')
const u2 = user('u2')
const d1 = anon('d1')
const d2 = anon('d2')
const e1 = email('jane@example.com')

const tight = createIdentityRules({ limits: { email: 1, anonymous_id: 2 } })

type DecisionCase = [
  name: string,
  a: LinkSide,
  b: LinkSide,
  login: boolean,
  expected: Partial<LinkDecision>,
  r?: IdentityRules,
]

const decisionCases: DecisionCase[] = [
  [
    'linking an identifier to itself is a no-op',
    single(d1),
    single(d1),
    false,
    { kind: 'noop', reason: 'self_link' },
  ],
  [
    'two identifiers of one person: no-op',
    sideOf(d1, [u1]),
    { ...sideOf(u1, [d1]), person: sideOf(d1, [u1]).person },
    true,
    { kind: 'noop', reason: 'already_linked' },
  ],
  [
    'two new identifiers: the lower one attaches to the higher one’s person',
    sideOf(d1),
    sideOf(u1),
    true,
    { kind: 'attach', reason: 'new_identifier', identifier: d1, person: P(u1) },
  ],
  [
    'an anonymous person logging in merges into the user',
    sideOf(d1, [d2]),
    single(u1),
    true,
    { kind: 'merge', reason: 'login', survivor: P(u1) },
  ],
  [
    'a person never holds two user_ids (link)',
    sideOf(e1, [u1]),
    single(u2),
    false,
    { kind: 'refuse', reason: 'two_user_ids', idType: 'user_id' },
  ],
  [
    'shared device: a login moves the anonymous id to the new user',
    sideOf(d1, [u1]),
    single(u2),
    true,
    { kind: 'attach', reason: 'shared_device', identifier: d1, person: P(u2), from: P(u1) },
  ],
  [
    'over a limit: refused, naming the type',
    sideOf(email('a@x.io'), [u1]),
    sideOf(email('b@x.io'), [u2].slice(0, 0).concat([anon('z')])),
    false,
    { kind: 'refuse', reason: 'limit_exceeded', idType: 'email' },
    tight,
  ],
  [
    'over a limit, a new device logging in still attaches (logins are exempt)',
    sideOf(anon('d9')),
    sideOf(u1, [anon('d7'), anon('d8')], tight),
    true,
    { kind: 'attach', reason: 'new_identifier' },
    tight,
  ],
  [
    'over a limit, a known device logging in moves alone',
    sideOf(anon('d9'), [email('a@x.io')], tight),
    sideOf(u1, [email('b@x.io')], tight),
    true,
    { kind: 'attach', reason: 'login_over_limit', from: P(email('a@x.io')) },
    tight,
  ],
  [
    'over a limit, a device that anchors its person does not move: refused',
    sideOf(
      anchorOf([anon('0a'), anon('ff'), anon('fe')]),
      [anon('0a'), anon('ff'), anon('fe')].filter(
        (x) => x !== anchorOf([anon('0a'), anon('ff'), anon('fe')]),
      ),
      tight,
    ),
    sideOf(u1, [], tight),
    true,
    { kind: 'refuse', reason: 'limit_exceeded', idType: 'anonymous_id' },
    tight,
  ],
  [
    'the survivor is the higher-priority anchor (email over anonymous)',
    sideOf(d1, [d2]),
    single(e1),
    false,
    { kind: 'merge', reason: 'link', survivor: P(e1) },
  ],
  [
    'between equal priorities the smaller hash survives',
    sideOf(email('a@x.io'), [anon('q')]),
    sideOf(email('b@x.io'), [anon('r')]),
    false,
    { kind: 'merge', survivor: [P(email('a@x.io')), P(email('b@x.io'))].sort()[0] },
  ],
]

describe('decideLink', () => {
  it.each(decisionCases)('%s', (_name, a, b, login, expected, r = rules) => {
    expect(decideLink(r, { a, b, login })).toMatchObject(expected)
  })

  it('decides the same survivor whichever side comes first', () => {
    const x = sideOf(d1, [d2])
    const y = single(e1)
    const one = decideLink(rules, { a: x, b: y, login: false })
    const two = decideLink(rules, { a: y, b: x, login: false })
    expect(one).toEqual(two)
  })
})

// --- the rules end to end through the stitcher and the resolver (in memory) ------------------------

let seq = 0
const T0 = Date.UTC(2026, 0, 1)
function ev(fields: Record<string, unknown>): EnrichedEvent {
  seq++
  const ts = new Date(T0 + seq * 1000).toISOString()
  return {
    type: 'track',
    messageId: `m${seq}`,
    timestamp: ts,
    receivedAt: ts,
    sourceId: 'web',
    ...(fields['type'] === undefined || fields['type'] === 'track' ? { event: 'Viewed' } : {}),
    ...fields,
  } as EnrichedEvent
}

const onePartition = (): number => 0
const djb = (key: string, n: number): number => {
  let h = 5381
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 33) + key.charCodeAt(i)) >>> 0
  return h % n
}

function run(
  events: EnrichedEvent[],
  input: IdentityRulesInput = {},
  partitions = 1,
  seed = 1,
): SimulationResult {
  return simulate(events, {
    rules: createIdentityRules(input),
    partitions,
    partitionOf: partitions === 1 ? onePartition : djb,
    batchSize: 3,
    seed,
  })
}

interface Scenario {
  name: string
  events: () => EnrichedEvent[]
  rules?: IdentityRulesInput
  /** Groups of message ids (1-based positions in `events`) that must share one person, apart from each other. */
  together?: number[][]
  /** position → the person it must end with. */
  persons?: Record<number, string>
  /** Decisions (decision:reason) the resolver must have recorded. */
  audit?: string[]
  /** Decisions it must not have recorded. */
  noAudit?: string[]
}

const L = (v: string): Identifier => ({ type: 'loyalty_card', value: v })

const scenarios: Scenario[] = [
  {
    name: 'an anonymous visitor is its own person',
    events: () => [ev({ anonymousId: 'a1' }), ev({ anonymousId: 'a1' })],
    persons: { 1: P(anon('a1')), 2: P(anon('a1')) },
  },
  {
    name: 'identify: browsing before the login goes to the customer',
    events: () => [
      ev({ anonymousId: 'a1' }),
      ev({ type: 'identify', anonymousId: 'a1', userId: 'u1' }),
      ev({ anonymousId: 'a1' }),
    ],
    persons: { 1: P(user('u1')), 2: P(user('u1')), 3: P(user('u1')) },
    audit: ['attach:new_identifier'],
  },
  {
    name: 'two user ids on one event are never merged',
    events: () => [
      ev({ type: 'identify', anonymousId: 'a1', userId: 'u1' }),
      ev({ userId: 'u2', context: { externalIds: [{ type: 'user_id', id: 'u1' }] } }),
    ],
    persons: { 1: P(user('u1')), 2: P(user('u2')) },
    audit: ['refuse:two_user_ids'],
  },
  {
    name: 'two customers claiming one email: the second is refused, the email stays',
    events: () => [
      ev({ type: 'identify', userId: 'u1', traits: { email: 'family@example.com' } }),
      ev({ type: 'identify', userId: 'u2', traits: { email: 'family@example.com' } }),
      ev({ type: 'identify', anonymousId: 'n1', traits: { email: 'family@example.com' } }),
    ],
    persons: { 1: P(user('u1')), 2: P(user('u2')), 3: P(user('u1')) },
    audit: ['refuse:two_user_ids'],
  },
  {
    name: 'shared device: earlier events stay with A, later ones go to B',
    events: () => [
      ev({ anonymousId: 'home' }),
      ev({ type: 'identify', anonymousId: 'home', userId: 'alice' }),
      ev({ anonymousId: 'home' }),
      ev({ type: 'identify', anonymousId: 'home', userId: 'bob' }),
      ev({ anonymousId: 'home' }),
    ],
    persons: {
      1: P(user('alice')),
      2: P(user('alice')),
      3: P(user('alice')),
      4: P(user('bob')),
      5: P(user('bob')),
    },
    audit: ['attach:new_identifier', 'attach:shared_device'],
  },
  {
    name: 'shared device: back to A after B',
    events: () => [
      ev({ type: 'identify', anonymousId: 'home', userId: 'alice' }),
      ev({ type: 'identify', anonymousId: 'home', userId: 'bob' }),
      ev({ anonymousId: 'home' }),
      ev({ type: 'identify', anonymousId: 'home', userId: 'alice' }),
      ev({ anonymousId: 'home' }),
    ],
    persons: { 3: P(user('bob')), 5: P(user('alice')) },
  },
  {
    name: 'a track carrying both ids is a login too',
    events: () => [ev({ anonymousId: 'a1' }), ev({ anonymousId: 'a1', userId: 'u1' })],
    together: [[1, 2]],
    persons: { 1: P(user('u1')) },
  },
  {
    name: 'alias: the previous id’s events go to the user',
    events: () => [
      ev({ anonymousId: 'old' }),
      ev({ type: 'alias', anonymousId: 'new', previousId: 'old', userId: 'u9' }),
    ],
    persons: { 1: P(user('u9')), 2: P(user('u9')) },
  },
  {
    name: 'alias to itself is a no-op with a warning',
    events: () => [ev({ type: 'alias', anonymousId: 'a1', previousId: 'u1', userId: 'u1' })],
    persons: { 1: P(user('u1')) },
    noAudit: ['refuse:two_user_ids'],
  },
  {
    name: 'alias chains are flattened: every earlier person points at the last survivor',
    events: () => [
      ev({ anonymousId: 'a1' }),
      ev({ type: 'identify', anonymousId: 'a1', traits: { email: 'chain@example.com' } }),
      ev({ anonymousId: 'a2' }),
      ev({ type: 'alias', anonymousId: 'a2', previousId: 'a1', userId: 'u7' }),
      ev({ type: 'identify', anonymousId: 'a3', userId: 'u7' }),
    ],
    together: [[1, 2, 3, 4, 5]],
    persons: { 1: P(user('u7')) },
  },
  {
    name: 'email: an anonymous newsletter sign-up joins a later login on another device',
    events: () => [
      ev({ anonymousId: 'phone-browser' }),
      ev({ type: 'identify', anonymousId: 'phone-browser', traits: { email: ' Jane.Doe@Example.COM ' } }),
      ev({ anonymousId: 'laptop' }),
      ev({
        type: 'identify',
        anonymousId: 'laptop',
        userId: 'jane',
        traits: { email: 'jane.doe@example.com' },
      }),
    ],
    together: [[1, 2, 3, 4]],
    persons: { 1: P(user('jane')) },
  },
  {
    name: 'loyalty card: a store purchase joins the online account that registers the card',
    events: () => [
      ev({ anonymousId: 'pos-1-txn', properties: { loyalty_card: 'LC-42' } }),
      ev({ anonymousId: 'pos-2-txn', context: { externalIds: [{ type: 'loyalty_card', id: 'LC-42' }] } }),
      ev({ type: 'identify', anonymousId: 'web', userId: 'u42', traits: { loyalty_card: 'LC-42' } }),
    ],
    together: [[1, 2, 3]],
    persons: { 1: P(user('u42')) },
  },
  {
    name: 'before the account exists, store purchases with one card are one person anchored by the card',
    events: () => [
      ev({ anonymousId: 'pos-1', properties: { loyaltyCard: 'LC-7' } }),
      ev({ anonymousId: 'pos-2', properties: { loyalty_card: 'LC-7' } }),
    ],
    persons: { 1: P(L('LC-7')), 2: P(L('LC-7')) },
  },
  ...[
    'null',
    ' NULL ',
    'undefined',
    'Anonymous',
    '"null"',
    '[object Object]',
    '0',
    '-1',
    'NaN',
    'guest',
    '',
    '000000',
    '-',
    '<nil>',
  ].map((junk): Scenario => ({
    name: `blocked value ${JSON.stringify(junk)} is never an identifier`,
    events: () => [ev({ anonymousId: 'x1', userId: junk }), ev({ anonymousId: 'x2', userId: junk })],
    persons: { 1: P(anon('x1')), 2: P(anon('x2')) },
    noAudit: ['merge:login', 'attach:new_identifier'],
  })),
  {
    name: 'an event with only blocked values has no person',
    events: () => [ev({ anonymousId: 'undefined', userId: 'null' })],
    persons: { 1: '' },
  },
  {
    name: 'idempotence: identifying again changes nothing',
    events: () => [
      ev({ type: 'identify', anonymousId: 'a1', userId: 'u1', traits: { email: 'a@b.co' } }),
      ev({ type: 'identify', anonymousId: 'a1', userId: 'u1', traits: { email: 'a@b.co' } }),
    ],
    together: [[1, 2]],
  },
  {
    name: 'limits: a third email on one person is refused',
    rules: { limits: { email: 2 } },
    events: () => [
      ev({ type: 'identify', userId: 'u1', traits: { email: 'one@x.io' } }),
      ev({ type: 'identify', userId: 'u1', traits: { email: 'two@x.io' } }),
      ev({ type: 'identify', userId: 'u1', traits: { email: 'three@x.io' } }),
      ev({ type: 'identify', anonymousId: 'nl', traits: { email: 'three@x.io' } }),
    ],
    persons: { 4: P(email('three@x.io')) },
    audit: ['refuse:limit_exceeded'],
  },
  {
    name: 'limits: a login is never refused for the anonymous-id limit',
    rules: { limits: { anonymous_id: 1 } },
    events: () => [
      ev({ anonymousId: 'd1', userId: 'u1' }),
      ev({ anonymousId: 'd2' }),
      ev({ anonymousId: 'd2', userId: 'u1' }),
      ev({ anonymousId: 'd2' }),
    ],
    persons: { 3: P(user('u1')), 4: P(user('u1')) },
  },
  {
    name: 'priority: an anonymous person with an email is anchored by the email',
    events: () => [
      ev({ type: 'identify', anonymousId: 'a1', traits: { email: 'anchor@x.io' } }),
      ev({ anonymousId: 'a1' }),
    ],
    persons: { 1: P(email('anchor@x.io')), 2: P(email('anchor@x.io')) },
  },
  {
    name: 'priority is configurable: phone above email',
    rules: { priority: ['user_id', 'phone', 'email', 'loyalty_card', 'device_id', 'anonymous_id'] },
    events: () => [
      ev({ type: 'identify', anonymousId: 'a1', traits: { email: 'p@x.io', phone: '+33612345678' } }),
    ],
    persons: { 1: P({ type: 'phone', value: sha256Hex('+33612345678') }) },
  },
  {
    name: 'phones in any format are one identifier',
    events: () => [
      ev({ type: 'identify', anonymousId: 'a1', traits: { phone: '+33 6 12 34 56 78' } }),
      ev({ type: 'identify', anonymousId: 'a2', traits: { phone: '0033612345678' } }),
    ],
    together: [[1, 2]],
  },
  {
    name: 'an invalid email is not an identifier',
    events: () => [
      ev({ type: 'identify', anonymousId: 'a1', traits: { email: 'not-an-email' } }),
      ev({ type: 'identify', anonymousId: 'a2', traits: { email: 'not-an-email' } }),
    ],
    persons: { 1: P(anon('a1')), 2: P(anon('a2')) },
  },
  {
    name: 'device_id links two installs of an app',
    events: () => [
      ev({ type: 'screen', anonymousId: 'install-1', context: { device: { id: 'dev-1' } } }),
      ev({ type: 'screen', anonymousId: 'install-2', context: { device: { id: 'dev-1' } } }),
    ],
    together: [[1, 2]],
    persons: { 1: P({ type: 'device_id', value: 'dev-1' }) },
  },
  {
    name: 'a custom externalIds type links like any identifier',
    events: () => [
      ev({ anonymousId: 'a1', context: { externalIds: [{ type: 'CRM.Id', id: 'c-1' }] } }),
      ev({ anonymousId: 'a2', context: { externalIds: [{ type: 'crm_id', id: 'c-1' }] } }),
    ],
    together: [[1, 2]],
    persons: { 1: P({ type: 'crm_id', value: 'c-1' }) },
  },
  {
    name: 'a newsletter email given on a device logged in as A goes to A',
    events: () => [
      ev({ type: 'identify', anonymousId: 'home', userId: 'alice' }),
      ev({ type: 'identify', anonymousId: 'home', traits: { email: 'alice@x.io' } }),
      ev({ type: 'identify', anonymousId: 'other', traits: { email: 'alice@x.io' } }),
    ],
    persons: { 2: P(user('alice')), 3: P(user('alice')) },
  },
]

function groupsOf(r: SimulationResult, events: EnrichedEvent[], positions: number[]): Set<string> {
  return new Set(positions.map((p) => r.resolved(events[p - 1]!.messageId)))
}

describe('merge rules, end to end through stitcher and resolver', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    const events = s.events()
    const r = run(events, s.rules)
    for (const group of s.together ?? []) expect(groupsOf(r, events, group).size).toBe(1)
    const distinct = (s.together ?? []).map((g) => r.resolved(events[g[0]! - 1]!.messageId))
    expect(new Set(distinct).size).toBe(distinct.length)
    for (const [pos, person] of Object.entries(s.persons ?? {})) {
      expect(r.resolved(events[Number(pos) - 1]!.messageId), `event ${pos}`).toBe(person)
    }
    const audit = new Set(r.audit.map((a) => `${a.decision}:${a.reason}`))
    for (const a of s.audit ?? []) expect(audit).toContain(a)
    for (const a of s.noAudit ?? []) expect(audit).not.toContain(a)
  })

  // Conflicts between partitions (two customers claiming one email, from two devices) are the one
  // order-dependent case (docs/identity.md); every other scenario must not depend on the order.
  const orderFree = scenarios.filter((s) => !s.name.includes('claiming'))
  it.each(orderFree.map((s) => [s.name, s] as const))(
    'same persons whatever the interleaving, view lag, failed batches and rebalances: %s',
    (_name, s) => {
      const events = s.events()
      const reference = run(events, s.rules, 1)
      const input = { rules: createIdentityRules(s.rules), partitions: 4, partitionOf: djb, batchSize: 2 }
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const r = simulate(events, {
          ...input,
          seed,
          instances: 3,
          viewLag: seed * 2,
          failureRate: 0.25,
          rebalanceRate: 0.2,
        })
        for (const e of events)
          expect(r.resolved(e.messageId), e.messageId).toBe(reference.resolved(e.messageId))
      }
    },
  )

  it('flattens override chains: no override points at a person that is itself overridden', () => {
    const events = scenarios.find((s) => s.name.startsWith('alias chains'))!.events()
    const r = run(events)
    const overridden = new Set(r.audit.filter((a) => a.decision === 'merge').map((a) => a.otherPersonId))
    for (const old of overridden) expect(overridden.has(r.resolver.resolve(old))).toBe(false)
  })

  it('is idempotent on redelivery: an edge from an offset already applied is skipped', () => {
    const r = run([ev({ type: 'identify', anonymousId: 'a1', userId: 'u1' })])
    const again = r.resolver.applyEdge(
      {
        src: { topic: 'events.raw', partition: 0, offset: 0 },
        messageId: 'm',
        timestamp: new Date(T0).toISOString(),
        ids: [user('u1'), anon('a1')],
      },
      10_000,
    )
    expect(again).toBeUndefined()
  })
})
