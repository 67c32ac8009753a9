import { z } from 'zod'
import { suppressionKey, type Identifier, type Normalise } from '@sillage/identifiers'
import type { PersonScope } from '@sillage/warehouse'

/**
 * Who a privacy request is about: one identifier, as the operator knows it (a raw email, a user
 * id, an anonymous id, a loyalty card…) or a person id found in the warehouse.
 */
export const subjectRequestSchema = z
  .object({
    /** An identifier type (user_id, email, phone, loyalty_card, device_id, anonymous_id, an externalIds type) or person_id. */
    type: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'an identifier type such as email or user_id'),
    value: z.union([z.string().min(1).max(512), z.number().finite()]).transform(String),
    /** Free text kept with an erasure request (a ticket number); never an identifier. */
    reference: z.string().max(256).optional(),
  })
  .strict()
export type SubjectRequest = z.output<typeof subjectRequestSchema>

export const PERSON_ID = 'person_id'
const PERSON_ID_VALUE = /^[0-9a-f]{32}$/

export type Subject =
  { kind: 'identifier'; id: Identifier; key: string } | { kind: 'person'; personId: string }

/** Identity's own normalisation (@sillage/identifiers identifierNormaliser with its rules). */
export type { Normalise }

/**
 * Control characters (the collector strips them from identifiers before they are stored) and lone
 * UTF-16 surrogates (stored as U+FFFD): a value holding one never matches a stored identifier, and
 * a lone surrogate would hash like U+FFFD, another person's value.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEVER_STORED = /[\u0000-\u001f\u007f]|\p{Cs}/u

/** The request's identifier in the form identity stores it; undefined when it is not usable. */
export function toSubject(request: SubjectRequest, normalise: Normalise): Subject | undefined {
  if (NEVER_STORED.test(request.value)) return undefined
  if (request.type === PERSON_ID) {
    const personId = request.value.trim().toLowerCase()
    return PERSON_ID_VALUE.test(personId) ? { kind: 'person', personId } : undefined
  }
  const id = normalise(request.type, request.value)
  return id ? { kind: 'identifier', id, key: suppressionKey(id) } : undefined
}

/** `type:value`, the form identifiers are matched in (types never contain ':'). */
export const idKey = (id: Identifier): string => `${id.type}:${id.value}`

/** The rows to look for: the persons' ids, and their user ids, anonymous ids and identifier keys. */
export function scopeOf(persons: readonly string[], ids: readonly Identifier[]): PersonScope {
  return {
    persons: [...persons],
    users: ids.filter((i) => i.type === 'user_id').map((i) => i.value),
    anonymous: ids.filter((i) => i.type === 'anonymous_id').map((i) => i.value),
    keys: ids.map(idKey),
    messages: [],
  }
}
