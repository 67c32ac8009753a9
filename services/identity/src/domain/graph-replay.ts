import { addMember } from './graph-person.js'
import { personState, removeMember, setOverride, type GraphState } from './graph-state.js'
import type { GraphRecord } from './identity-graph-types.js'

/**
 * One changelog record applied to the graph's state: how every instance follows the resolver
 * (identity-graph.ts `applyRecord`). Idempotent and versioned: a record older than what the state
 * holds is ignored, so replaying the changelog, or receiving a record twice, gives the same graph.
 */
export function applyGraphRecord(s: GraphState, record: GraphRecord): void {
  switch (record.kind) {
    case 'identity': {
      const current = s.ids.get(record.key)
      if (current && current.version > record.version) return
      if (current && current.person !== record.person) {
        const from = s.persons.get(current.person)
        if (from) removeMember(s, from, record.key)
      }
      s.ids.set(record.key, {
        person: record.person,
        version: record.version,
        logins: record.logins ? [...record.logins] : undefined,
      })
      addMember(personState(s, record.person), record.key)
      return
    }
    case 'override': {
      const current = s.overrides.get(record.oldPersonId)
      if (current && current.version > record.version) return
      setOverride(s, record.oldPersonId, record.personId, record.version)
      return
    }
    case 'source': {
      const key = `${record.topic}:${record.partition}`
      if ((s.sources.get(key) ?? -1) < record.offset) s.sources.set(key, record.offset)
      return
    }
    case 'identity-erased': {
      const current = s.ids.get(record.key)
      if (!current) return
      s.ids.delete(record.key)
      const p = s.persons.get(current.person)
      if (p) removeMember(s, p, record.key)
      return
    }
    case 'override-erased': {
      const current = s.overrides.get(record.oldPersonId)
      if (!current) return
      s.overrides.delete(record.oldPersonId)
      const by = s.overriddenBy.get(current.person)
      by?.delete(record.oldPersonId)
      if (by?.size === 0) s.overriddenBy.delete(current.person)
      return
    }
  }
}
