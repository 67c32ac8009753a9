import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { gateUntilReady } from './readiness.js'

describe('gateUntilReady', () => {
  it('answers 503 SIL_STARTING with Retry-After to every request until opened, then serves', async () => {
    const app = Fastify()
    app.get('/healthz', async () => ({ ok: true }))
    app.post('/v1/track', async () => ({ success: true }))
    const gate = gateUntilReady(app)
    for (const [method, url] of [
      ['GET', '/healthz'],
      ['POST', '/v1/track'],
    ] as const) {
      const res = await app.inject({ method, url })
      expect(res.statusCode).toBe(503)
      expect(res.headers['retry-after']).toBe('1')
      expect(res.json()).toMatchObject({ code: 'SIL_STARTING' })
    }
    gate.open()
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true })
    await app.close()
  })
})
