/**
 * The generator's ground truth: what the identity rules (docs/identity.md) should make of each
 * generated event, computed from what the generator knows (the identifiers it put on each event),
 * with no notion of priority or anchors, so that it checks the implementation rather than
 * repeating it.
 */
import type { Emitted, GeneratedEvent, World } from './types.js'

/** Connectivity of identifiers, with no notion of priority: the generator's own bookkeeping. */
function createUnionFind() {
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    let root = parent.get(x) ?? x
    while (root !== (parent.get(root) ?? root)) root = parent.get(root) ?? root
    parent.set(x, root)
    return root
  }
  return {
    find,
    union: (a: string, b: string): void => {
      const [ra, rb] = [find(a), find(b)]
      if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb)
    },
  }
}

/**
 * What the identity rules make of each event (docs/identity.md), from the identifiers each event
 * carries:
 * - identifiers on one event are linked; the linked identifiers of a shopper form one group,
 *   named `shopper:<id>` when it holds the shopper's user id (or, without an account, email);
 *   a group that never links to those (an unregistered loyalty card, a device never logged in)
 *   is a group of its own, named after its smallest identifier (`card:…`, `device:…`);
 * - a shared computer's anonymous id links nobody (two user ids never merge): its anonymous
 *   events go to the user of its last login before them, and before any login to its first
 *   login's user; the events that carry a user id go to that user.
 */
export function expectedGroups(world: World, emitted: Emitted[]): GeneratedEvent[] {
  const sharedAnon = new Set<string>()
  for (const d of world.devices.values())
    if (d.owners.length > 1) for (const a of d.anonymousIds) sharedAnon.add(`anon:${a}`)
  const uf = createUnionFind()
  for (const e of emitted) {
    const linkable = e.facts.filter((f) => !sharedAnon.has(f))
    for (const f of linkable.slice(1)) uf.union(linkable[0]!, f)
  }
  const names = new Map<string, string>()
  for (const s of world.shoppers) {
    const main = s.userId ? `user:${s.userId}` : s.email ? `email:${s.email}` : undefined
    if (main) names.set(uf.find(main), `shopper:${s.id}`)
  }
  const nameOf = (fact: string): string => {
    const root = uf.find(fact)
    const named = names.get(root)
    if (named) return named
    const [kind, ...rest] = root.split(':')
    return `${kind === 'anon' || kind === 'dev' ? 'device' : kind}:${rest.join(':')}`
  }

  const firstLogin = new Map<string, string>()
  for (const e of emitted) {
    const anon = e.facts.find((f) => sharedAnon.has(f))
    const user = e.facts.find((f) => f.startsWith('user:'))
    if (anon && user && !firstLogin.has(anon)) firstLogin.set(anon, user)
  }
  const lastLogin = new Map<string, string>()
  return emitted.map((e) => {
    const user = e.facts.find((f) => f.startsWith('user:'))
    const shared = e.facts.find((f) => sharedAnon.has(f))
    let expected: string
    if (user) {
      if (shared) lastLogin.set(shared, user)
      expected = nameOf(user)
    } else if (shared) {
      const owner = lastLogin.get(shared) ?? firstLogin.get(shared)
      expected = owner ? nameOf(owner) : `device:${shared.slice(5)}`
    } else {
      expected = nameOf(e.facts[0]!)
    }
    return {
      event: e.event,
      truth: {
        shopperId: e.shopperId,
        expected,
        channel: e.channel,
        ...(e.device && { device: e.device.id }),
      },
    }
  })
}
