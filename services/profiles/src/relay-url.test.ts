import { describe, expect, it } from 'vitest'
import { relayUrl } from './relay-url.js'

describe('the URL a lookup is relayed with to the profiles thread', () => {
  it('moves a dot-segment value to the query, where no URL parser resolves it', () => {
    expect(relayUrl('/v1/profiles/user_id/%2E')).toBe('/v1/profiles/user_id?value=.')
    expect(relayUrl('/v1/profiles/user_id/%2e')).toBe('/v1/profiles/user_id?value=.')
    expect(relayUrl('/v1/profiles/user_id/.')).toBe('/v1/profiles/user_id?value=.')
    expect(relayUrl('/v1/profiles/user_id/%2E%2E')).toBe('/v1/profiles/user_id?value=..')
    expect(relayUrl('/v1/profiles/user_id/.%2e')).toBe('/v1/profiles/user_id?value=..')
    expect(relayUrl('/v1/profiles/user_id/..')).toBe('/v1/profiles/user_id?value=..')
  })

  it('keeps the other query parameters and drops a `value` one, which the path route ignores', () => {
    expect(relayUrl('/v1/profiles/phone/%2E?phoneCountryCode=33&value=x&%76alue=y')).toBe(
      '/v1/profiles/phone?phoneCountryCode=33&value=.',
    )
  })

  it('relays a dot-segment type as "-", another unknown type (refused as any), never an empty one', () => {
    expect(relayUrl('/v1/profiles/%2E/ada')).toBe('/v1/profiles/-?value=ada')
    expect(relayUrl('/v1/profiles/../a%2Bb%40c')).toBe('/v1/profiles/-?value=a%2Bb%40c')
    expect(relayUrl('/v1/profiles/%2E%2E?value=ada')).toBe('/v1/profiles/-?value=ada')
  })

  it('relays every other URL as is', () => {
    for (const url of [
      '/v1/profiles/user_id/ada',
      '/v1/profiles/user_id/...',
      '/v1/profiles/user_id/%2E%2E%2E',
      '/v1/profiles/user_id?value=.',
      '/v1/profiles/email/a%2Bb%40c.fr?x=1',
      '/v1/recommendations?product_id=.',
      '/v1/me/recommendations?writeKey=k',
    ])
      expect(relayUrl(url)).toBe(url)
  })
})
