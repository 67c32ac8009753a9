/**
 * Audience membership changes: who entered and who left since the last sync, and the
 * `Audience Entered` / `Audience Exited` events that announce them. Pure and deterministic: the
 * same state and members give the same changes with the same message ids, so a re-run after a
 * crash produces nothing new (identity drops a messageId it has stored).
 */
import { createHash } from 'node:crypto'
import type { EnrichedEvent } from '@sillage/schemas'

export const AUDIENCE_ENTERED = 'Audience Entered'
export const AUDIENCE_EXITED = 'Audience Exited'

/** A person's latest change in an audience (from audience_membership). */
export interface MemberState {
  personId: string
  seq: number
  change: 'entered' | 'exited'
  userId: string
  anonymousId: string
  emailSha256: string
  phoneSha256: string
}

/** What the warehouse knows of a person who enters (hashed identifiers only). */
export interface PersonIds {
  userId: string
  anonymousId: string
  emailSha256: string
  phoneSha256: string
}

export interface MembershipChange {
  audienceId: string
  personId: string
  seq: number
  change: 'entered' | 'exited'
  at: string
  messageId: string
  userId: string
  anonymousId: string
  emailSha256: string
  phoneSha256: string
}

/** A UUID-shaped id from SHA-256 over the parts: stable across runs and processes. */
export function stableId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export const membershipMessageId = (audienceId: string, personId: string, seq: number): string =>
  stableId('audience', audienceId, personId, String(seq))

/**
 * The changes that take an audience from `state` to `members`: entered for a member whose latest
 * change is not `entered`, exited for a person whose latest is `entered` and who is no member.
 * Sorted by person id.
 */
export function diffMembership(args: {
  audienceId: string
  state: ReadonlyMap<string, MemberState>
  members: ReadonlySet<string>
  ids: ReadonlyMap<string, PersonIds>
  at: string
}): MembershipChange[] {
  const { audienceId, state, members, ids, at } = args
  const out: MembershipChange[] = []
  for (const personId of members) {
    const s = state.get(personId)
    if (s?.change === 'entered') continue
    const seq = (s?.seq ?? 0) + 1
    const who = ids.get(personId) ?? { userId: '', anonymousId: '', emailSha256: '', phoneSha256: '' }
    out.push({
      audienceId,
      personId,
      seq,
      change: 'entered',
      at,
      messageId: membershipMessageId(audienceId, personId, seq),
      ...who,
    })
  }
  for (const s of state.values()) {
    if (s.change !== 'entered' || members.has(s.personId)) continue
    const seq = s.seq + 1
    out.push({
      audienceId,
      personId: s.personId,
      seq,
      change: 'exited',
      at,
      messageId: membershipMessageId(audienceId, s.personId, seq),
      userId: s.userId,
      anonymousId: s.anonymousId,
      emailSha256: s.emailSha256,
      phoneSha256: s.phoneSha256,
    })
  }
  return out.sort((a, b) => (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0))
}

/**
 * The event announcing a change, as it travels on events.raw. It names the person by one
 * identifier (userId, else anonymousId) so that it never links two; a person known by neither
 * gets none and identity stores it under no person (the history table still has it).
 */
export function toMembershipEvent(
  c: MembershipChange,
  audienceName: string,
  receivedAt: string,
): EnrichedEvent {
  const who =
    c.userId !== '' ? { userId: c.userId } : c.anonymousId !== '' ? { anonymousId: c.anonymousId } : {}
  return {
    type: 'track',
    event: c.change === 'entered' ? AUDIENCE_ENTERED : AUDIENCE_EXITED,
    messageId: c.messageId,
    ...who,
    timestamp: c.at,
    receivedAt,
    sourceId: 'sillage',
    properties: { audience_id: c.audienceId, audience_name: audienceName, person_id: c.personId, seq: c.seq },
    context: { library: { name: 'sillage-audiences', version: '0.1.0' } },
  }
}
