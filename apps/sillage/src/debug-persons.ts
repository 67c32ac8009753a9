/** What the debug tap (services/collector) takes: a stored event and its person. */
export interface PersonLink {
  messageId: string
  personId: string
}

export interface DebugPersonsDeps {
  /** The debug tap's `person` (services/collector): sets and streams messageId → person. */
  link(links: readonly PersonLink[]): void
  /** messageIds remembered per person (about the tap's backlog and live rows). Default 20000. */
  capacity?: number
}

export interface DebugPersons {
  /** Events identity stored, with the person it stamped on each. */
  stored(rows: ReadonlyArray<{ message_id: string; person_id: string }>): void
  /** A person merged into another (identity.changelog `o:` records; chains arrive flattened). */
  merged(oldPersonId: string, personId: string): void
}

/**
 * The person the live debugger shows is the resolved one, as `events_resolved` shows it: identity
 * stamps each event with the person it knew at ingest, and when a visitor later logs in, the
 * anonymous person is merged into the customer. Then every row of the merged person still on
 * screen is re-linked to the survivor, and events stamped with a merged person resolve at once.
 * Bounded: two generations of `capacity / 2` messageIds, and of overrides.
 */
export function createDebugPersons(deps: DebugPersonsDeps): DebugPersons {
  const half = Math.max(1, Math.floor((deps.capacity ?? 20_000) / 2))
  let overrides = new Map<string, string>()
  let previousOverrides = new Map<string, string>()
  let members = new Map<string, Set<string>>()
  let previousMembers = new Map<string, Set<string>>()
  let remembered = 0

  const resolve = (person: string) => overrides.get(person) ?? previousOverrides.get(person) ?? person

  function remember(person: string, messageId: string) {
    if (remembered >= half) {
      previousMembers = members
      members = new Map()
      remembered = 0
    }
    let set = members.get(person)
    if (!set) members.set(person, (set = new Set()))
    set.add(messageId)
    remembered++
  }

  return {
    stored(rows) {
      const links = rows.map((r) => ({ messageId: r.message_id, personId: resolve(r.person_id) }))
      for (const l of links) remember(l.personId, l.messageId)
      deps.link(links)
    },
    merged(oldPersonId, personId) {
      if (overrides.size >= half) {
        previousOverrides = overrides
        overrides = new Map()
      }
      overrides.set(oldPersonId, personId)
      const ids = [...(members.get(oldPersonId) ?? []), ...(previousMembers.get(oldPersonId) ?? [])]
      members.delete(oldPersonId)
      previousMembers.delete(oldPersonId)
      if (ids.length === 0) return
      for (const id of ids) remember(personId, id)
      deps.link(ids.map((messageId) => ({ messageId, personId })))
    },
  }
}
