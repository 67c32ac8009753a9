/**
 * The profile routes over HTTP (Fastify inject) on real chDB: read keys and their scope, a write
 * key never reads, identity's email normalisation, erasure answers 404 at once, rate limiting,
 * logs without identifiers, the browser-safe route.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { sha256Hex } from '@sillage/identifiers'
import { createSuppressionList, suppressionKey } from '@sillage/identifiers'
import { createLogger, createMetricsRegistry } from '../packages/runtime/src/index.js'
import { createProfilesStack, type ProfilesStack } from '../services/profiles/src/index.js'
import { TEST_PROFILE_OPTIONS } from './helpers/profile-options.js'
import { openShopWarehouse, type ShopWarehouse } from './helpers/shop.js'

const ALL = 'rk_all_0123456789abcdef'
const WEB_ONLY = 'rk_web_0123456789abcdef'
const BROWSER_KEY = 'wk_browser_0123456789'
const OPTIONS = {
  ...TEST_PROFILE_OPTIONS,
  readKeys: [
    { id: 'all', key: ALL, sources: ['*'] },
    { id: 'web-only', key: WEB_ONLY, sources: ['web'] },
  ],
}
const ALICE_EMAIL = 'Alice.Martin@Example.com'
const now = Date.now()
const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString()

function event(
  personId: string,
  sourceId: string,
  fields: Partial<EnrichedEvent> & { messageId: string; type: string },
  minutesAgo: number,
) {
  const e = {
    context: {},
    properties: {},
    timestamp: at(minutesAgo),
    receivedAt: at(minutesAgo),
    sourceId,
    ...fields,
  } as unknown as EnrichedEvent
  return { event: e, personId }
}

let wh: ShopWarehouse
let stack: ProfilesStack
let app: FastifyInstance
const logs: string[] = []
const suppressions = createSuppressionList()

beforeAll(async () => {
  wh = await openShopWarehouse()
  const product = (id: string, price: number) => ({
    product_id: id,
    sku: `S-${id}`,
    name: id,
    category: 'c',
    price,
  })
  await wh.insert([
    event('p-alice', 'web', { messageId: 'a1', type: 'page', anonymousId: 'anon-alice' }, 30),
    event(
      'p-alice',
      'web',
      {
        messageId: 'a2',
        type: 'track',
        event: 'Product Viewed',
        anonymousId: 'anon-alice',
        properties: product('x1', 10),
      },
      29,
    ),
    event(
      'p-alice',
      'web',
      {
        messageId: 'a3',
        type: 'identify',
        anonymousId: 'anon-alice',
        userId: 'alice',
        traits: { email: sha256Hex('alice.martin@example.com'), city: 'Lyon' },
      },
      28,
    ),
    event(
      'p-alice',
      'web',
      {
        messageId: 'a4',
        type: 'track',
        event: 'Product Added',
        userId: 'alice',
        properties: { ...product('x2', 12.5), quantity: 2 },
      },
      27,
    ),
    event(
      'p-bob',
      'backend',
      {
        messageId: 'b1',
        type: 'track',
        event: 'Order Completed',
        userId: 'bob',
        properties: { order_id: 'o-b1', revenue: 20, products: [{ ...product('x1', 20), quantity: 1 }] },
      },
      60,
    ),
  ])
  await wh.warehouse.client.insert({
    table: 'sillage.identities',
    format: 'JSONEachRow',
    values: [
      { id_type: 'user_id', id_value: 'alice', person_id: 'p-alice', version: 1, updated_at: at(28) },
      {
        id_type: 'anonymous_id',
        id_value: 'anon-alice',
        person_id: 'p-alice',
        version: 1,
        updated_at: at(28),
      },
      {
        id_type: 'email',
        id_value: sha256Hex('alice.martin@example.com'),
        person_id: 'p-alice',
        version: 1,
        updated_at: at(28),
      },
      { id_type: 'user_id', id_value: 'bob', person_id: 'p-bob', version: 1, updated_at: at(60) },
    ],
  })
  const log = createLogger({ level: 'info', destination: { write: (s: string) => void logs.push(s) } })
  stack = createProfilesStack({
    warehouse: wh.warehouse,
    log,
    registry: createMetricsRegistry({ defaultMetrics: false }),
    options: OPTIONS,
    suppressions,
    writeKeys: [BROWSER_KEY, 'wk_server_0123456789'],
    adminToken: 'admin_0123456789abcdef',
    browserSources: [{ id: 'web', writeKey: BROWSER_KEY, allowedOrigins: ['https://shop.example'] }],
  })
  app = Fastify({ loggerInstance: log as FastifyBaseLogger })
  stack.register(app)
  await app.ready()
  await stack.refreshNow()
  await stack.scoreNow()
})

afterAll(async () => {
  await app?.close()
  await stack?.stop()
  await wh?.close()
})

const get = (url: string, key?: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'GET',
    url,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
  })

describe('GET /v1/profiles/{type}/{value}', () => {
  it('finds a person by email as identity normalises and hashes it, and returns no raw PII', async () => {
    const res = await get(`/v1/profiles/email/${encodeURIComponent(`  ${ALICE_EMAIL} `)}`, ALL)
    expect(res.statusCode).toBe(200)
    const body = res.json<Record<string, unknown>>()
    expect(body).toMatchObject({
      person_id: 'p-alice',
      traits: { city: 'Lyon' },
      audiences: [],
      stream: { cart: { items: [{ product_id: 'x2', quantity: 2 }], value: 25 }, page_views: { '1d': 1 } },
    })
    expect(body['identifiers']).toContainEqual({
      type: 'email',
      value: sha256Hex('alice.martin@example.com'),
      hashed: true,
    })
    expect(res.body.toLowerCase()).not.toContain('alice.martin@example.com')
    for (const [type, value] of [
      ['user_id', 'alice'],
      ['anonymous_id', 'anon-alice'],
      ['person_id', 'p-alice'],
    ]) {
      const r = await get(`/v1/profiles/${type}/${value}`, ALL)
      expect(r.json<{ person_id: string }>().person_id).toBe('p-alice')
    }
  })

  it('needs a read key: none, a browser write key or the admin token answer 401', async () => {
    const url = '/v1/profiles/user_id/alice'
    expect((await get(url)).statusCode).toBe(401)
    for (const key of [BROWSER_KEY, 'admin_0123456789abcdef']) {
      const bearer = await get(url, key)
      expect(bearer.statusCode).toBe(401)
      expect(bearer.json()).toMatchObject({ error: { code: 'SIL_PROFILE_UNAUTHORIZED' } })
      const basic = await get(url, undefined, {
        authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
      })
      expect(basic.statusCode).toBe(401)
    }
    const basicRead = await get(url, undefined, {
      authorization: `Basic ${Buffer.from(`${ALL}:`).toString('base64')}`,
    })
    expect(basicRead.statusCode).toBe(200)
  })

  it('refuses a read key equal to a write key at start', () => {
    expect(() =>
      createProfilesStack({
        warehouse: wh.warehouse,
        log: createLogger({ level: 'silent' }),
        registry: createMetricsRegistry({ defaultMetrics: false }),
        options: { ...OPTIONS, readKeys: [{ id: 'oops', key: BROWSER_KEY, sources: ['*'] }] },
        writeKeys: [BROWSER_KEY],
      }),
    ).toThrow(/SIL_PROFILE_CONFIG_INVALID|equal a write key/)
  })

  it('scopes a key to its sources: a person seen only through another source is not found', async () => {
    expect((await get('/v1/profiles/user_id/bob', ALL)).statusCode).toBe(200)
    expect((await get('/v1/profiles/user_id/bob', WEB_ONLY)).statusCode).toBe(404)
    expect((await get('/v1/profiles/user_id/alice', WEB_ONLY)).statusCode).toBe(200)
  })

  it('answers 400 for an unknown type and 404 for an unknown value', async () => {
    expect((await get('/v1/profiles/shoe_size/42', ALL)).json()).toMatchObject({
      error: { code: 'SIL_PROFILE_BAD_IDENTIFIER' },
    })
    expect((await get('/v1/profiles/email/not-an-email', ALL)).statusCode).toBe(400)
    expect((await get('/v1/profiles/user_id/nobody', ALL)).json()).toMatchObject({
      error: { code: 'SIL_PROFILE_NOT_FOUND' },
    })
  })

  it('logs lookups without the identifier', () => {
    const text = logs.join('\n')
    expect(text).toContain('"route":"profile"')
    for (const secret of [
      'alice',
      'Alice.Martin',
      'anon-alice',
      sha256Hex('alice.martin@example.com'),
      ALL,
    ]) {
      expect(text).not.toContain(secret)
    }
  })

  it('rate-limits each read key', async () => {
    const limited = createProfilesStack({
      warehouse: wh.warehouse,
      log: createLogger({ level: 'silent' }),
      registry: createMetricsRegistry({ defaultMetrics: false }),
      options: { ...OPTIONS, rateLimitPerMinute: 2 },
    })
    const small = Fastify()
    limited.register(small)
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      const r = await small.inject({
        url: '/v1/profiles/user_id/alice',
        headers: { authorization: `Bearer ${ALL}` },
      })
      statuses.push(r.statusCode)
    }
    expect(statuses).toEqual([200, 200, 429])
    await small.close()
  })

  it('answers 404 at once for an erased person, by any of their identifiers', async () => {
    expect((await get('/v1/profiles/user_id/alice', ALL)).statusCode).toBe(200)
    suppressions.add(suppressionKey({ type: 'email', value: sha256Hex('alice.martin@example.com') }))
    expect((await get(`/v1/profiles/email/${encodeURIComponent(ALICE_EMAIL)}`, ALL)).statusCode).toBe(404)
    expect((await get('/v1/profiles/user_id/alice', ALL)).statusCode).toBe(404)
    expect((await get('/v1/profiles/anonymous_id/anon-alice', ALL)).statusCode).toBe(404)
    // Its rows go too.
    await expect.poll(() => stack.store.profile('p-alice')).toBeUndefined()
  })
})

describe('GET /v1/recommendations and the browser route', () => {
  it('serves a product page with a read key only', async () => {
    expect((await get('/v1/recommendations?product_id=x1', BROWSER_KEY)).statusCode).toBe(401)
    const res = await get('/v1/recommendations?product_id=x2', ALL)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ product_id: 'x2', items: [{ product_id: 'x1', reason: 'popular' }] })
    expect((await get('/v1/recommendations', ALL)).statusCode).toBe(400)
  })

  it('answers the visitor of their own cookie only, with nothing identifying', async () => {
    const res = await get(`/v1/me/recommendations?writeKey=${BROWSER_KEY}`, undefined, {
      origin: 'https://shop.example',
      cookie: 'sil_aid=anon-bob-unknown',
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example')
    expect(res.json()).toMatchObject({ viewed_not_bought: [], cart_item_count: 0 })
    expect(res.json()).not.toHaveProperty('bought_together')
    // A product page's list: the same ranking as /v1/recommendations, without a read key.
    const page = await get(`/v1/me/recommendations?writeKey=${BROWSER_KEY}&product_id=x2`, undefined, {
      origin: 'https://shop.example',
      cookie: 'sil_aid=anon-bob-unknown',
    })
    expect(page.json()).toMatchObject({ bought_together: [{ product_id: 'x1', reason: 'popular' }] })
    const other = await get(`/v1/me/recommendations?writeKey=${BROWSER_KEY}`, undefined, {
      origin: 'https://evil.example',
    })
    expect(other.statusCode).toBe(403)
    expect((await get('/v1/me/recommendations?writeKey=wk_unknown_0000')).statusCode).toBe(401)
  })

  it('answers a malformed cookie (a bad percent-encoding) as an unknown visitor, not a 500', async () => {
    for (const cookie of ['sil_aid=%zz', 'sil_aid=%', 'sil_aid=%E0%A4%A']) {
      const res = await get(`/v1/me/recommendations?writeKey=${BROWSER_KEY}`, undefined, {
        origin: 'https://shop.example',
        cookie,
      })
      expect(res.statusCode, cookie).toBe(200)
      expect(res.json()).toMatchObject({ viewed_not_bought: [], cart_item_count: 0 })
    }
  })
})
