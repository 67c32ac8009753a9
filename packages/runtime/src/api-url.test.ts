import { describe, expect, it } from 'vitest'
import { v1WithoutTrailingSlash } from './api-url.js'

describe('v1WithoutTrailingSlash', () => {
  it('drops one trailing slash under /v1/, before a query string too', () => {
    expect(v1WithoutTrailingSlash('/v1/import/')).toBe('/v1/import')
    expect(v1WithoutTrailingSlash('/v1/recommendations/?product_id=p1')).toBe(
      '/v1/recommendations?product_id=p1',
    )
    expect(v1WithoutTrailingSlash('/v1/profiles/user_id/u1/?fields=a/')).toBe(
      '/v1/profiles/user_id/u1?fields=a/',
    )
  })
  it('leaves other paths, /v1/ itself and URLs without a trailing slash alone', () => {
    for (const url of ['/debugger/', '/v1/', '/v1/batch', '/v1/batch?x=/', '/', '/v10/'])
      expect(v1WithoutTrailingSlash(url)).toBe(url)
  })
})
