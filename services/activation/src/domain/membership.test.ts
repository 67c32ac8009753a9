import { describe, expect, it } from 'vitest'
import { diffMembership, membershipMessageId, type MemberState } from './membership.js'

const state = (personId: string, seq: number, change: 'entered' | 'exited'): MemberState => ({
  personId,
  seq,
  change,
  userId: `u-${personId}`,
  anonymousId: '',
  emailSha256: 'e',
  phoneSha256: '',
})

describe('diffMembership', () => {
  it('enters new and returning members, exits the departed, with stable message ids', () => {
    const changes = diffMembership({
      audienceId: 'dormant',
      state: new Map([
        ['a', state('a', 1, 'entered')],
        ['b', state('b', 2, 'exited')],
        ['c', state('c', 1, 'entered')],
      ]),
      members: new Set(['a', 'b', 'd']),
      ids: new Map(),
      at: '2026-01-01T00:00:00.000Z',
    })
    expect(changes.map((c) => [c.personId, c.change, c.seq])).toEqual([
      ['b', 'entered', 3],
      ['c', 'exited', 2],
      ['d', 'entered', 1],
    ])
    expect(changes[1]!.userId).toBe('u-c')
    expect(changes[0]!.messageId).toBe(membershipMessageId('dormant', 'b', 3))
    expect(membershipMessageId('dormant', 'b', 3)).not.toBe(membershipMessageId('dormant', 'b', 4))
  })
})
