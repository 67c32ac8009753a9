import { describe, expect, it } from 'vitest'
import { adminTokenMatches, bearerCredentials } from './admin-token.js'

const TOKEN = 'admin_0123456789abcdef'

describe('the admin token check', () => {
  it('takes the Bearer scheme in any case, as RFC 9110 makes it case-insensitive', () => {
    for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}`])
      expect(adminTokenMatches(header, TOKEN), header).toBe(true)
  })

  it('refuses another scheme, another token, an empty one, or none', () => {
    const basic = `Basic ${Buffer.from(`${TOKEN}:`).toString('base64')}`
    for (const header of [
      basic,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN.slice(0, -1)}X`,
      'Bearer ',
      'Bearer',
      `Token ${TOKEN}`,
      `Bearer ${TOKEN} extra`,
    ])
      expect(adminTokenMatches(header, TOKEN), header).toBe(false)
    expect(adminTokenMatches(undefined, TOKEN)).toBe(false)
    expect(adminTokenMatches('Bearer ', '')).toBe(false)
  })

  it('reads the credentials of a Bearer header only', () => {
    expect(bearerCredentials('bEaReR abc.def')).toBe('abc.def')
    expect(bearerCredentials('Basic abc')).toBeUndefined()
  })
})
