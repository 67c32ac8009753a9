/**
 * The collector's CORS plugin and the routes that opt out of it (`config: { cors: false }`, the
 * profile API's read-key routes registered on this port by `sillage start`): their preflight must
 * not grant cross-origin access either, while the browser routes keep theirs.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import { createCollectorApp } from './app.js'

const ORIGIN = 'https://shop.example'
const sources = sourcesSchema.parse([
  { id: 'web', writeKey: 'wk_browser_123', type: 'browser', allowedOrigins: [ORIGIN] },
])
const dir = mkdtempSync(join(tmpdir(), 'sillage-cors-'))
let bus: Bus
let app: FastifyInstance

beforeAll(async () => {
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(1))
  app = createCollectorApp({
    config: { maxEventBytes: 4096, maxBatchBytes: 64 * 1024 },
    sources,
    bus,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  // As `sillage start` registers the profile API on the collector's port (OWN_CORS).
  const own = { config: { cors: false } }
  app.get('/v1/profiles/:type/:value', own, async () => ({ ok: true }))
  app.get('/v1/profiles/:type/:value/recommendations', own, async () => ({ ok: true }))
  app.get('/v1/recommendations', own, async () => ({ ok: true }))
  app.get('/v1/me/recommendations', own, async () => ({ ok: true }))
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await bus?.close()
  rmSync(dir, { recursive: true, force: true })
})

const preflight = (url: string, method = 'GET') =>
  app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin: ORIGIN,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization',
    },
  })

describe('CORS preflights on the collector port', () => {
  it.each([
    '/v1/profiles/email/jane%40example.com',
    '/v1/profiles/user_id/u1/recommendations',
    '/v1/profiles/user_id/u1/',
    '/v1/profiles',
    '/v1/recommendations',
    '/v1/recommendations/',
    '/v1/recommendations?product_id=p1',
    '/v1/%70rofiles/user_id/u1',
    '/v1/%72ecommendations',
  ])('grants no cross-origin access to the read-key route %s', async (url) => {
    const res = await preflight(url)
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    expect(res.headers['access-control-allow-credentials']).toBeUndefined()
    expect(res.headers['access-control-allow-methods']).toBeUndefined()
  })

  it.each([
    '/dashboard/api/overview',
    '/dashboard/api/options',
    '/admin/query',
    '/admin/privacy/erasure',
    '/debugger/events',
    '/metrics',
    '/v1%2',
  ])('grants no cross-origin access to %s, outside the browser paths', async (url) => {
    for (const method of ['GET', 'POST']) {
      const res = await preflight(url, method)
      expect(res.headers['access-control-allow-origin']).toBeUndefined()
      expect(res.headers['access-control-allow-credentials']).toBeUndefined()
    }
    const get = await app.inject({ method: 'GET', url, headers: { origin: ORIGIN } })
    expect(get.headers['access-control-allow-origin']).toBeUndefined()
  })

  it.each(['/v1/me/recommendations', '/v1/batch', '/v1/track'])(
    'keeps the preflight of the browser route %s',
    async (url) => {
      const res = await preflight(url, url.startsWith('/v1/me') ? 'GET' : 'POST')
      expect(res.statusCode).toBe(204)
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN)
    },
  )
})
