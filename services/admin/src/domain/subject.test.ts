import { describe, expect, it } from 'vitest'
import { sha256Hex } from '@sillage/identifiers'
import { suppressionKey } from '@sillage/identifiers'
import { subjectRequestSchema, toSubject, type Normalise } from './subject.js'

const normalise: Normalise = (type, raw) =>
  raw.trim() === 'null'
    ? undefined
    : { type, value: type === 'email' ? sha256Hex(raw.trim().toLowerCase()) : raw.trim() }

describe('subject', () => {
  it('turns an identifier into its stored form and its suppression key', () => {
    const request = subjectRequestSchema.parse({ type: 'email', value: ' Jane@Example.com ' })
    const id = { type: 'email', value: sha256Hex('jane@example.com') }
    expect(toSubject(request, normalise)).toEqual({ kind: 'identifier', id, key: suppressionKey(id) })
  })

  it('takes a person id as it is, and refuses values that are never identifiers', () => {
    const personId = 'ab'.repeat(16)
    expect(toSubject(subjectRequestSchema.parse({ type: 'person_id', value: personId }), normalise)).toEqual({
      kind: 'person',
      personId,
    })
    expect(
      toSubject(subjectRequestSchema.parse({ type: 'person_id', value: 'nope' }), normalise),
    ).toBeUndefined()
    expect(
      toSubject(subjectRequestSchema.parse({ type: 'user_id', value: 'null' }), normalise),
    ).toBeUndefined()
  })

  it('refuses bodies that do not name exactly one identifier', () => {
    for (const body of [
      {},
      { type: 'email' },
      { type: 'Email', value: 'x' },
      { type: 'email', value: 'x', writeKey: 'k' },
    ]) {
      expect(subjectRequestSchema.safeParse(body).success).toBe(false)
    }
  })

  it('never makes a suppression key equal to a person id or an email hash', () => {
    const key = suppressionKey({ type: 'user_id', value: 'u1' })
    expect(key).not.toBe(sha256Hex('user_id\0u1'))
    expect(key.slice(0, 32)).not.toBe(sha256Hex('user_id\0u1').slice(0, 32))
  })
})
