/**
 * The profile routes on the collector's port (`sillage start` without the profiles thread), whose
 * CORS plugin answers every browser source's origin with credentials: the read-key routes must
 * never be readable cross-origin (a page of an allowed origin gets no Access-Control-Allow-Origin),
 * and the browser route answers CORS by its own source's origins only (docs/profiles.md).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { Warehouse } from '@sillage/warehouse'
import { createCollectorApp } from '../services/collector/src/app.js'
import { createProfilesStack } from '../services/profiles/src/index.js'
import { TEST_PROFILE_OPTIONS } from './helpers/profile-options.js'

const READ_KEY = 'rk_cors_0123456789abcdef'
const SHOP = 'https://shop.example'
const BLOG = 'https://blog.example'
const sources = sourcesSchema.parse([
  { id: 'web', writeKey: 'wk_cors_shop_0123', type: 'browser', allowedOrigins: [SHOP] },
  { id: 'blog', writeKey: 'wk_cors_blog_0123', type: 'browser', allowedOrigins: [BLOG] },
])
/** An empty warehouse: every query answers no row. */
const emptyWarehouse = {
  kind: 'http',
  database: 'sillage',
  client: { query: () => Promise.resolve({ json: () => Promise.resolve([]) }) },
} as unknown as Warehouse

let dir: string
let bus: Bus
let app: FastifyInstance

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-profiles-cors-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(1))
  const log = createLogger({ level: 'silent' })
  const registry = createMetricsRegistry({ defaultMetrics: false })
  app = createCollectorApp({
    config: { maxEventBytes: 4096, maxBatchBytes: 65536 },
    sources,
    bus,
    log,
    registry,
  })
  createProfilesStack({
    warehouse: emptyWarehouse,
    log,
    registry,
    options: { ...TEST_PROFILE_OPTIONS, readKeys: [{ id: 'crm', key: READ_KEY, sources: ['*'] }] } as never,
    browserSources: sources.map((s) => ({ ...s, allowedOrigins: s.allowedOrigins ?? [] })),
  }).register(app)
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await bus?.close()
  rmSync(dir, { recursive: true, force: true })
})

const corsOf = (headers: Record<string, unknown>) => ({
  origin: headers['access-control-allow-origin'],
  credentials: headers['access-control-allow-credentials'],
})

describe('profile routes behind the collector’s CORS', () => {
  it('never lets a page read a read-key route, even from an allowed browser origin', async () => {
    for (const url of [
      '/v1/recommendations?product_id=p1',
      '/v1/profiles/email/a%40b.c',
      '/v1/profiles/email?value=x',
    ]) {
      for (const authorization of [`Bearer ${READ_KEY}`, undefined]) {
        const res = await app.inject({
          url,
          headers: { origin: SHOP, cookie: 'sil_aid=v1', ...(authorization ? { authorization } : {}) },
        })
        expect(corsOf(res.headers), `${url} ${res.statusCode}`).toEqual({
          origin: undefined,
          credentials: undefined,
        })
      }
    }
  })

  it("answers the browser route's CORS by its own source's origins only", async () => {
    const own = await app.inject({
      url: '/v1/me/recommendations?writeKey=wk_cors_shop_0123',
      headers: { origin: SHOP },
    })
    expect(corsOf(own.headers)).toEqual({ origin: SHOP, credentials: 'true' })
    // The other source's origin is allowed by the collector, not by this source: 403, unreadable.
    const other = await app.inject({
      url: '/v1/me/recommendations?writeKey=wk_cors_shop_0123',
      headers: { origin: BLOG },
    })
    expect(other.json()).toMatchObject({ error: { code: 'SIL_PROFILE_FORBIDDEN' } })
    expect(corsOf(other.headers)).toEqual({ origin: undefined, credentials: undefined })
  })
})
