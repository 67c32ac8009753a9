import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { sourcesSchema } from '@sillage/schemas'
import { CollectorError, REQUEST_ERRORS } from '../errors.js'
import { createSourceIndex } from '../domain/auth.js'
import { registerSettingsRoute } from './settings.route.js'

const sources = sourcesSchema.parse([
  { id: 'web', writeKey: 'wk_browser_123', type: 'browser', allowedOrigins: ['https://shop.example'] },
  { id: 'backend', writeKey: 'sk_server_456', type: 'server' },
])

function app() {
  const a = Fastify({ trustProxy: true })
  a.setErrorHandler((error, _request, reply) => {
    const code = error instanceof CollectorError ? error.code : 'SIL_INTERNAL'
    return reply.code(REQUEST_ERRORS[code].status).send({ success: false, code })
  })
  registerSettingsRoute(a, { findSource: createSourceIndex(sources) })
  return a
}

describe('GET /v1/projects/:writeKey/settings', () => {
  it("gives analytics.js a Segment.io destination pointed back at this collector's host", async () => {
    const res = await app().inject({
      method: 'GET',
      url: '/v1/projects/wk_browser_123/settings',
      headers: { host: 'collect.shop.example', 'x-forwarded-proto': 'https' },
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('public, max-age=300')
    const settings = res.json()
    expect(settings.integrations['Segment.io']).toMatchObject({
      apiKey: 'wk_browser_123',
      apiHost: 'collect.shop.example/v1',
      protocol: 'https',
    })
    expect(Object.keys(settings.integrations)).toEqual(['Segment.io'])
    expect(settings).toMatchObject({
      analyticsNextEnabled: true,
      remotePlugins: [],
      metrics: { sampleRate: 0 },
    })
  })

  it('refuses unknown and server write keys, and foreign origins', async () => {
    const a = app()
    for (const key of ['nope_12345678', 'sk_server_456']) {
      const res = await a.inject({ method: 'GET', url: `/v1/projects/${key}/settings` })
      expect(res.statusCode).toBe(401)
      expect(res.json().code).toBe('SIL_AUTH_INVALID')
    }
    const foreign = await a.inject({
      method: 'GET',
      url: '/v1/projects/wk_browser_123/settings',
      headers: { origin: 'https://evil.example' },
    })
    expect(foreign.statusCode).toBe(403)
  })
})
