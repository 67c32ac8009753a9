import type { EnrichedEvent } from '@sillage/schemas'
import { personIdFor, type IdentifierType } from './person-id.js'

export interface IdentityRow {
  id_type: IdentifierType
  id_value: string
  person_id: string
  version: number
}

export interface OverrideRow {
  old_person_id: string
  person_id: string
  version: number
}

export interface Resolution {
  personId: string
  identities: IdentityRow[]
  overrides: OverrideRow[]
}

/**
 * Minimal anonymous ↔ user stitching (the full identity rules live in a later design step):
 * - a user id anchors its person;
 * - identify/alias (or any event with both ids) attaches the anonymous id to the user;
 * - the anonymous person's earlier events are re-attributed through an override;
 * - on a shared device (the anonymous id already belongs to another user) later events go to
 *   the new user and earlier ones stay where they were: no override.
 */
export function createResolver(known: Iterable<[anonymousId: string, personId: string]> = []) {
  const anonToPerson = new Map(known)
  const seenUsers = new Set<string>()

  function attach(anonymousId: string, userPerson: string, version: number, out: Resolution) {
    const current = anonToPerson.get(anonymousId)
    if (current === userPerson) return
    anonToPerson.set(anonymousId, userPerson)
    out.identities.push({ id_type: 'anonymous_id', id_value: anonymousId, person_id: userPerson, version })
    if (current === undefined) {
      out.overrides.push({
        old_person_id: personIdFor('anonymous_id', anonymousId),
        person_id: userPerson,
        version,
      })
    }
  }

  return {
    resolve(event: EnrichedEvent): Resolution {
      const version = Date.parse(event.receivedAt)
      const userId = event.userId ?? undefined
      const anonymousId = event.anonymousId ?? undefined
      const out: Resolution = { personId: '', identities: [], overrides: [] }
      if (userId) {
        out.personId = personIdFor('user_id', userId)
        if (!seenUsers.has(userId)) {
          seenUsers.add(userId)
          out.identities.push({ id_type: 'user_id', id_value: userId, person_id: out.personId, version })
        }
        if (anonymousId) attach(anonymousId, out.personId, version, out)
        if (event.type === 'alias') attach(event.previousId, out.personId, version, out)
        return out
      }
      // Validation guarantees an anonymousId when there is no userId.
      const anon = anonymousId ?? ''
      out.personId = anonToPerson.get(anon) ?? personIdFor('anonymous_id', anon)
      return out
    },
  }
}

export type Resolver = ReturnType<typeof createResolver>
