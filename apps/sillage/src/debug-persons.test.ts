import { describe, expect, it } from 'vitest'
import { createDebugPersons, type PersonLink } from './debug-persons.js'

describe('createDebugPersons', () => {
  const setup = (capacity?: number) => {
    const shown = new Map<string, string>()
    const calls: PersonLink[][] = []
    const persons = createDebugPersons({
      link: (links) => {
        calls.push([...links])
        for (const l of links) shown.set(l.messageId, l.personId)
      },
      ...(capacity !== undefined && { capacity }),
    })
    return { persons, shown, calls }
  }

  it('re-links the rows of a merged person to the survivor (a visitor who logs in is one person)', () => {
    const { persons, shown } = setup()
    persons.stored([
      { message_id: 'page-1', person_id: 'anon-p' },
      { message_id: 'page-2', person_id: 'anon-p' },
      { message_id: 'other', person_id: 'someone' },
    ])
    persons.stored([{ message_id: 'identify', person_id: 'user-p' }])
    persons.merged('anon-p', 'user-p')
    expect(Object.fromEntries(shown)).toEqual({
      'page-1': 'user-p',
      'page-2': 'user-p',
      identify: 'user-p',
      other: 'someone',
    })
  })

  it('resolves an event stamped with a person merged before it was stored', () => {
    const { persons, shown } = setup()
    persons.merged('anon-p', 'user-p')
    persons.stored([{ message_id: 'late', person_id: 'anon-p' }])
    expect(shown.get('late')).toBe('user-p')
  })

  it('follows a person merged twice (re-linked rows stay attached to the survivor)', () => {
    const { persons, shown } = setup()
    persons.stored([{ message_id: 'm', person_id: 'a' }])
    persons.merged('a', 'b')
    persons.merged('b', 'c')
    expect(shown.get('m')).toBe('c')
  })

  it('stays bounded: rows older than its capacity are forgotten, not re-linked', () => {
    const { persons, calls } = setup(4)
    persons.stored([{ message_id: 'old', person_id: 'a' }])
    for (let i = 0; i < 6; i++) persons.stored([{ message_id: `n${i}`, person_id: 'x' }])
    calls.length = 0
    persons.merged('a', 'b')
    expect(calls).toEqual([])
  })
})
