import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { sourcesSchema } from '@sillage/schemas'
import { createSourceIndex } from '../domain/auth.js'
import {
  ANONYMOUS_ID_MAX_AGE,
  readCookie,
  registerAnonymousIdCookieRefresh,
} from './anonymous-id-cookie.plugin.js'

const sources = sourcesSchema.parse([
  { id: 'web', writeKey: 'wk_browser_123', type: 'browser' },
  { id: 'sub', writeKey: 'wk_browser_sub', type: 'browser', anonymousIdCookie: { domain: '.shop.example' } },
  { id: 'off', writeKey: 'wk_browser_off', type: 'browser', anonymousIdCookie: { refresh: false } },
  { id: 'backend', writeKey: 'sk_server_456', type: 'server' },
])

// The hook on a stand-in ingest route; the real collector's answer is checked in the browser test.
function app(status = 200) {
  const a = Fastify({ trustProxy: true })
  a.addContentTypeParser('text/plain', { parseAs: 'string' }, a.getDefaultJsonParser('error', 'error'))
  a.post('/v1/batch', async (_request, reply) => reply.code(status).send({ success: status === 200 }))
  registerAnonymousIdCookieRefresh(a, { findSource: createSourceIndex(sources) })
  return a
}

const post = (a: ReturnType<typeof app>, writeKey: string, headers: Record<string, string> = {}) =>
  a.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: {
      'content-type': 'text/plain',
      cookie: 'other=1; sil_aid=01k85menve001nu8c4gcrn6o60',
      ...headers,
    },
    payload: JSON.stringify({ writeKey, batch: [] }),
  })

describe('anonymous-id cookie refresh', () => {
  it('renews the cookie for 13 months on accepted browser requests that carry it', async () => {
    const res = await post(app(), 'wk_browser_123')
    expect(res.headers['set-cookie']).toBe(
      `sil_aid=01k85menve001nu8c4gcrn6o60; Max-Age=${ANONYMOUS_ID_MAX_AGE}; Path=/; SameSite=Lax`,
    )
    expect(ANONYMOUS_ID_MAX_AGE).toBe(396 * 24 * 3600)
  })

  it('adds Secure on https and the source domain', async () => {
    const res = await post(app(), 'wk_browser_sub', { 'x-forwarded-proto': 'https' })
    expect(res.headers['set-cookie']).toBe(
      `sil_aid=01k85menve001nu8c4gcrn6o60; Max-Age=${ANONYMOUS_ID_MAX_AGE}; Path=/; SameSite=Lax; Secure; Domain=.shop.example`,
    )
  })

  it('leaves it alone for server keys, sources that opt out, refused requests and odd values', async () => {
    expect((await post(app(), 'sk_server_456')).headers['set-cookie']).toBeUndefined()
    expect((await post(app(), 'wk_browser_off')).headers['set-cookie']).toBeUndefined()
    expect((await post(app(503), 'wk_browser_123')).headers['set-cookie']).toBeUndefined()
    const odd = await post(app(), 'wk_browser_123', { cookie: 'sil_aid=a b;c' })
    expect(odd.headers['set-cookie']).toBeUndefined()
    const none = await post(app(), 'wk_browser_123', { cookie: 'other=1' })
    expect(none.headers['set-cookie']).toBeUndefined()
  })

  it('reads one cookie out of a Cookie header', () => {
    expect(readCookie('a=1; sil_aid=x%20y; b=2', 'sil_aid')).toBe('x%20y')
    expect(readCookie('sil_aidx=1', 'sil_aid')).toBeUndefined()
    expect(readCookie(undefined, 'sil_aid')).toBeUndefined()
  })
})
