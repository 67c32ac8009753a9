import { describe, expect, it } from 'vitest'
import { publicTraits } from './profile-view.js'

describe('public traits', () => {
  it('leaves out PII keys at any depth, in objects and in arrays of objects (a company keeps its name)', () => {
    const traits = {
      plan: 'pro',
      contact: { email: 'nested@example.com', First_Name: 'Ada', phoneNumber: '+33600000000', city: 'Lyon' },
      addresses: [{ street: '1 rue X', city: 'Nantes' }, 'text', 3],
      company: { name: 'ACME', size: 12 },
      manager: { name: 'Grace', team: 'ops' },
      tags: ['vip'],
      empty: null,
    }
    expect(publicTraits(JSON.stringify(traits))).toEqual({
      plan: 'pro',
      contact: { city: 'Lyon' },
      addresses: [{ city: 'Nantes' }, 'text', 3],
      company: { name: 'ACME', size: 12 },
      manager: { team: 'ops' },
      tags: ['vip'],
      empty: null,
    })
  })
})
