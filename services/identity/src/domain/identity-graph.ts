import { ANONYMOUS_ID, USER_ID, type IdentityRules } from '@sillage/identifiers'
import { auditEntry, emptyDelta } from './graph-delta.js'
import { addMember, freshView, personView, type PersonState } from './graph-person.js'
import { applyGraphRecord } from './graph-replay.js'
import {
  cloneGraphState,
  emptyGraphState,
  personState,
  removeMember,
  setOverride,
  type GraphState,
} from './graph-state.js'
import { compareRank, fromKey, idKey, rankOf, type IdKey } from './identifiers.js'
import { decideLink, type LinkSide, type PersonView } from './merge-rules.js'

/**
 * The identity graph: identifier → person, persons with their members, and the flattened
 * overrides of persons merged away. The resolver applies edges to it (`applyEdge`, which records
 * what changed for the changelog and ClickHouse); every instance rebuilds the same graph from the
 * changelog (`applyRecord`, graph-replay.ts). Its maps and their consistent mutations are
 * graph-state.ts'. Pure: no I/O.
 */

export type * from './identity-graph-types.js'
import type {
  AuditEntry,
  EdgeInput,
  GraphDelta,
  IdentityChange,
  Login,
  LinkOutcome,
  OverrideChange,
  SourceChange,
  GraphRecord,
  GraphStats,
  Ranked,
} from './identity-graph-types.js'

/** Logins kept per anonymous id: enough for any realistic shared device. */
export const MAX_LOGINS = 16
/** Version = edge offset × VERSION_STRIDE + link index: unique, monotonic, the same on replay. */
export const VERSION_STRIDE = 1024

export type IdentityGraph = ReturnType<typeof createIdentityGraph>

export function createIdentityGraph(rules: IdentityRules) {
  return build(rules, emptyGraphState())
}

function build(rules: IdentityRules, state: GraphState) {
  const { ids, persons, overrides, overriddenBy, sources } = state
  let delta = emptyDelta()
  const identityOut = new Map<IdKey, IdentityChange>()
  const overrideOut = new Map<string, OverrideChange>()
  const sourceOut = new Map<string, SourceChange>()

  const viewOf = (p: PersonState): PersonView => personView(rules, p)

  /** old → survivor, and every person that pointed at `old` now points at survivor: flat chains. */
  function override(oldPersonId: string, personId: string, version: number, timestamp: string): void {
    if (oldPersonId === personId) return
    const chained = overriddenBy.get(oldPersonId)
    overriddenBy.delete(oldPersonId)
    for (const o of [oldPersonId, ...(chained ?? [])]) {
      setOverride(state, o, personId, version)
      overrideOut.set(o, { oldPersonId: o, personId, version, timestamp })
    }
  }

  function setIdentity(key: IdKey, person: string, version: number, timestamp: string, login?: Login): void {
    const state = ids.get(key)
    let logins = state?.logins
    if (login) logins = [...(logins ?? []), login].slice(-MAX_LOGINS)
    ids.set(key, { person, version, logins })
    const { type, value } = fromKey(key)
    identityOut.set(key, { type, value, person, version, timestamp, logins })
  }

  /** Makes sure the person exists: a fresh singleton becomes a real one-identifier person. */
  function materialise(side: LinkSide, version: number, timestamp: string): PersonState {
    if (!side.person.fresh) return persons.get(side.person.personId)!
    const p = personState(state, side.person.personId)
    addMember(p, side.key)
    setIdentity(side.key, p.id, version, timestamp)
    return p
  }

  function side({ id, key, rank }: Ranked): LinkSide {
    const state = ids.get(key)
    const person = state ? persons.get(state.person) : undefined
    return { id, key, rank, person: person ? viewOf(person) : freshView(id, rank) }
  }

  function link(
    edge: EdgeInput,
    ra: Ranked,
    rb: Ranked,
    login: boolean,
    index: number,
    version: number,
  ): LinkOutcome {
    const sa = side(ra)
    const sb = side(rb)
    const a = sa.id
    const b = sb.id
    const decision = decideLink(rules, { a: sa, b: sb, login })
    const ts = edge.timestamp
    const loginEntry = (person: string): Login | undefined =>
      login ? { partition: edge.src.partition, offset: edge.src.offset, person } : undefined
    let audit:
      Pick<AuditEntry, 'decision' | 'reason' | 'personId' | 'otherPersonId' | 'limitType'> | undefined
    switch (decision.kind) {
      case 'noop':
        if (login && decision.reason === 'already_linked') {
          // Still a login of this device: record it, so that as-of lookups see it.
          const last = ids.get(sa.key)?.logins?.at(-1)
          if (last?.person !== sa.person.personId) {
            setIdentity(sa.key, sa.person.personId, version, ts, loginEntry(sa.person.personId))
          }
        }
        break
      case 'refuse':
        audit = {
          decision: 'refuse',
          reason: decision.reason,
          personId: sb.person.personId,
          otherPersonId: sa.person.personId,
          limitType: decision.idType,
        }
        break
      case 'attach': {
        const moving = decision.identifier === a ? sa : sb
        const target = decision.person === sa.person.personId ? sa : sb
        const p = materialise(target, version, ts)
        if (decision.from !== undefined) {
          const from = persons.get(decision.from)
          if (from) removeMember(state, from, moving.key)
        }
        addMember(p, moving.key)
        setIdentity(moving.key, p.id, version, ts, moving === sa ? loginEntry(p.id) : undefined)
        if (decision.from === undefined) override(moving.rank.hash, p.id, version, ts)
        audit = {
          decision: 'attach',
          reason: decision.reason,
          personId: p.id,
          otherPersonId: decision.from ?? moving.rank.hash,
          limitType: '',
        }
        break
      }
      case 'merge': {
        const survivorSide = decision.survivor === sa.person.personId ? sa : sb
        const p = materialise(survivorSide, version, ts)
        const merged = persons.get(decision.merged)!
        for (const key of [...merged.members]) {
          addMember(p, key)
          setIdentity(key, p.id, version, ts, login && key === sa.key ? loginEntry(p.id) : undefined)
        }
        persons.delete(merged.id)
        override(merged.id, p.id, version, ts)
        audit = {
          decision: 'merge',
          reason: decision.reason,
          personId: p.id,
          otherPersonId: merged.id,
          limitType: '',
        }
        break
      }
    }
    if (audit) delta.audit.push(auditEntry(edge, index, a, b, version, audit))
    return { a, b, decision }
  }

  return {
    /**
     * Applies the links of one edge: each identifier to the event's top identifier (a star),
     * highest rank first; the login pair last. `baseVersion` orders the changes (see
     * VERSION_STRIDE). An edge from a source offset already applied is skipped (redelivery).
     */
    applyEdge(edge: EdgeInput, baseVersion: number): LinkOutcome[] | undefined {
      const sourceKey = `${edge.src.topic}:${edge.src.partition}`
      if (edge.src.offset <= (sources.get(sourceKey) ?? -1)) return undefined
      sources.set(sourceKey, edge.src.offset)
      sourceOut.set(sourceKey, { ...edge.src, version: baseVersion })
      const unique = new Map<IdKey, Ranked>()
      for (const id of edge.ids) {
        const key = idKey(id)
        if (!unique.has(key)) unique.set(key, { id, key, rank: rankOf(rules, id) })
      }
      const ranked = [...unique.values()].sort((x, y) => compareRank(x.rank, y.rank))
      const outcomes: LinkOutcome[] = []
      const top = ranked[0]
      if (!top || ranked.length < 2) return outcomes
      const loginAnon = edge.login
        ? unique.get(idKey({ type: ANONYMOUS_ID, value: edge.login.anonymous }))
        : undefined
      const loginUser = edge.login ? unique.get(idKey({ type: USER_ID, value: edge.login.user })) : undefined
      let index = 0
      for (const r of ranked.slice(1)) {
        if (r === loginAnon) continue
        outcomes.push(link(edge, r, top, false, index, baseVersion + index))
        index++
      }
      if (loginAnon && loginUser)
        outcomes.push(link(edge, loginAnon, loginUser, true, index, baseVersion + index))
      return outcomes
    },

    /** Applies one changelog record (an instance following the resolver). Idempotent, versioned. */
    applyRecord(record: GraphRecord): void {
      applyGraphRecord(state, record)
    },

    /** What changed since the last drain, for the changelog and ClickHouse; then forgets it. */
    drain(): GraphDelta {
      const out = delta
      out.identities = [...identityOut.values()]
      out.overrides = [...overrideOut.values()]
      out.sources = [...sourceOut.values()]
      identityOut.clear()
      overrideOut.clear()
      sourceOut.clear()
      delta = emptyDelta()
      return out
    },

    personOf: (key: IdKey): string | undefined => ids.get(key)?.person,
    loginsOf: (key: IdKey): readonly Login[] | undefined => ids.get(key)?.logins,
    /** The surviving person of a (possibly merged-away) person id: what events_resolved does. */
    resolve: (personId: string): string => overrides.get(personId)?.person ?? personId,
    membersOf: (personId: string): readonly IdKey[] => [...(persons.get(personId)?.members ?? [])],
    sourceOffset: (topic: string, partition: number): number | undefined =>
      sources.get(`${topic}:${partition}`),
    stats: (): GraphStats => ({ identifiers: ids.size, persons: persons.size, overrides: overrides.size }),

    /** An independent copy (the resolver's working state, taken from the view at activation). */
    clone() {
      return build(rules, cloneGraphState(state))
    },
  }
}
