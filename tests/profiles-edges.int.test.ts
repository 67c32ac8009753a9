/**
 * The profile API's edges, on real chDB behind a real listening server built as the profiles
 * port builds its own (server options, refusals, the stack's routes): Retry-After on both
 * rate-limited routes, the catalogue's 404 and 405 for what no route takes, the reserved product
 * id `*`, identifier values `.` and `..` through the Node SDK, and PII trait keys in any spelling.
 */
import { request as httpRequest } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger, createMetricsRegistry } from '../packages/runtime/src/index.js'
import { Sillage } from '../packages/sdk-node/src/index.js'
import { createProfilesStack, type ProfilesStack } from '../services/profiles/src/index.js'
import { registerProfileRefusals } from '../services/profiles/src/routes/refusals.js'
import { profilesServerOptions } from '../services/profiles/src/server-options.js'
import { TEST_PROFILE_OPTIONS } from './helpers/profile-options.js'
import { openShopWarehouse, type ShopWarehouse } from './helpers/shop.js'

const READ_KEY = 'rk_edges_0123456789abcdef'
const BROWSER_KEY = 'wk_edges_browser_0123'
const ORIGIN = 'https://shop.example'
const OPTIONS = { ...TEST_PROFILE_OPTIONS, readKeys: [{ id: 'all', key: READ_KEY, sources: ['*'] }] }
const BROWSER_SOURCES = [{ id: 'web', writeKey: BROWSER_KEY, allowedOrigins: [ORIGIN] }]
/** Raw PII under the trait keys a client may use besides the canonical ones. */
const PII_TRAITS = {
  loyaltyCard: 'LC-998877',
  phone_number: '+33 6 12 34 56 78',
  phoneNumber: '+33612345678',
  mobile: '06 98 76 54 32',
  birthday: '1990-04-12',
  birth_date: '1990-04-13',
  birthdate: '1990-04-14',
  dateOfBirth: '1990-04-15',
  Email: 'Pia@Example.com',
}
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString()

function event(personId: string, fields: Partial<EnrichedEvent> & { messageId: string; type: string }) {
  const e = {
    context: {},
    properties: {},
    timestamp: at(30),
    receivedAt: at(30),
    sourceId: 'web',
    ...fields,
  } as unknown as EnrichedEvent
  return { event: e, personId }
}

const order = (personId: string, id: string, products: string[]) =>
  event(personId, {
    messageId: `order-${id}`,
    type: 'track',
    event: 'Order Completed',
    userId: personId,
    properties: {
      order_id: id,
      revenue: 10 * products.length,
      products: products.map((p) => ({
        product_id: p,
        sku: p,
        name: p,
        category: 'c',
        price: 10,
        quantity: 1,
      })),
    },
  })

let wh: ShopWarehouse
let stack: ProfilesStack
let app: FastifyInstance
let base: string

/** A server as the profiles thread and the standalone service build theirs. */
function profilesServer(s: ProfilesStack): FastifyInstance {
  const server = Fastify(profilesServerOptions)
  registerProfileRefusals(server)
  s.register(server)
  return server
}

const newStack = (rateLimitPerMinute = OPTIONS.rateLimitPerMinute) =>
  createProfilesStack({
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    options: { ...OPTIONS, rateLimitPerMinute },
    browserSources: BROWSER_SOURCES,
  })

beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert([
    event('p-dot', { messageId: 'd1', type: 'identify', userId: '.', traits: { city: 'Dotville' } }),
    event('p-dotdot', { messageId: 'd2', type: 'identify', userId: '..', traits: { city: 'Twodots' } }),
    event('p-pia', {
      messageId: 'pia',
      type: 'identify',
      userId: 'pia',
      traits: { ...PII_TRAITS, city: 'Brest' },
    }),
    // Popularity: x1 in three orders, x2 in two, x3 in one; a hostile order names a product '*'.
    order('p-pia', 'o1', ['x1', 'x2']),
    order('p-pia', 'o2', ['x1', 'x2']),
    order('p-pia', 'o3', ['x1']),
    order('p-pia', 'o4', ['*', 'x3']),
  ])
  stack = newStack()
  app = profilesServer(stack)
  await app.listen({ port: 0, host: '127.0.0.1' })
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  await stack.refreshNow()
  await stack.scoreNow()
})

afterAll(async () => {
  await app?.close()
  await stack?.stop()
  await wh?.close()
})

const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${READ_KEY}` }) =>
  fetch(`${base}${path}`, { headers })

describe('rate limiting', () => {
  it('answers 429 with Retry-After, the seconds until a lookup is allowed, on both routes', async () => {
    const limited = newStack(2)
    const server = profilesServer(limited)
    const inject = (url: string, headers: Record<string, string>) => server.inject({ url, headers })
    const routes = [
      () => inject('/v1/profiles/user_id/pia', { authorization: `Bearer ${READ_KEY}` }),
      () =>
        inject(`/v1/me/recommendations?writeKey=${BROWSER_KEY}`, { origin: ORIGIN, cookie: 'sil_aid=a1' }),
    ]
    for (const send of routes) {
      const statuses = [(await send()).statusCode, (await send()).statusCode]
      const refused = await send()
      expect([...statuses, refused.statusCode]).toEqual([200, 200, 429])
      expect(refused.json()).toMatchObject({ error: { code: 'SIL_PROFILE_RATE_LIMITED' } })
      // Two a minute: the next one is allowed about 30 s later.
      const retryAfter = Number(refused.headers['retry-after'])
      expect(Number.isInteger(retryAfter) && retryAfter > 1 && retryAfter <= 30, String(retryAfter)).toBe(
        true,
      )
    }
    await server.close()
  })
})

describe('what no route takes', () => {
  it('answers an unknown path 404 SIL_NOT_FOUND in the profile API body', async () => {
    for (const path of [
      '/',
      '/nope',
      '/v1/profiles',
      '/v1/profiles/user_id/pia/extra',
      '/v2/recommendations',
    ]) {
      const res = await get(path)
      expect(res.status, path).toBe(404)
      expect(await res.json(), path).toEqual({
        error: { code: 'SIL_NOT_FOUND', message: 'no such endpoint' },
      })
    }
  })

  it('answers a known path with another method 405 SIL_METHOD_NOT_ALLOWED with Allow', async () => {
    for (const [method, path] of [
      ['POST', '/v1/recommendations?product_id=x1'],
      ['DELETE', '/v1/profiles/user_id/pia'],
      ['PUT', '/v1/me/recommendations'],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${READ_KEY}` } })
      expect(res.status, path).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD')
      expect(await res.json()).toMatchObject({ error: { code: 'SIL_METHOD_NOT_ALLOWED' } })
    }
  })
})

describe('the reserved product id', () => {
  it('answers `*` as any unknown product: the popular products, never the popularity row as its own', async () => {
    const unknown = (await (await get('/v1/recommendations?product_id=no-such-product')).json()) as {
      items: unknown[]
    }
    expect(unknown.items).toEqual([
      { product_id: 'x1', reason: 'popular', score: 3 },
      { product_id: 'x2', reason: 'popular', score: 2 },
      { product_id: 'x3', reason: 'popular', score: 1 },
    ])
    const star = await get(`/v1/recommendations?product_id=${encodeURIComponent('*')}`)
    expect(star.status).toBe(200)
    expect(await star.json()).toEqual({ product_id: '*', items: unknown.items })
    const browser = await get(`/v1/me/recommendations?writeKey=${BROWSER_KEY}&product_id=*`, {
      origin: ORIGIN,
    })
    expect(((await browser.json()) as { bought_together: unknown }).bought_together).toEqual(unknown.items)
  })

  it('refuses an empty or blank product id with 400, and leaves it out on the browser route', async () => {
    for (const id of ['', '%20', '%20%20%09']) {
      const res = await get(`/v1/recommendations?product_id=${id}`)
      expect(res.status, id).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: 'SIL_PROFILE_BAD_REQUEST' } })
      const browser = await get(`/v1/me/recommendations?writeKey=${BROWSER_KEY}&product_id=${id}`, {
        origin: ORIGIN,
      })
      expect(await browser.json()).not.toHaveProperty('bought_together')
    }
  })
})

describe('identifier values that are dot-segments', () => {
  it('looks up the literal `.` and `..` through the Node SDK', async () => {
    const client = new Sillage({
      writeKey: 'wk_edges_server_0123',
      host: base,
      readKey: READ_KEY,
      profileTimeoutMs: 10_000,
    })
    try {
      for (const [value, personId] of [
        ['.', 'p-dot'],
        ['..', 'p-dotdot'],
      ]) {
        const res = await client.profile('user_id', value!)
        expect(res, value).toMatchObject({ status: 'found', profile: { person_id: personId } })
      }
      expect(await client.profile('user_id', '...')).toEqual({ status: 'not_found' })
    } finally {
      await client.close()
    }
  })

  it('decodes `%2E` and `..` in a path sent as is (no URL resolution) to the literal value', async () => {
    const raw = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        // `path` as an option is sent as is; a URL string would be resolved first.
        const { hostname, port } = new URL(base)
        const req = httpRequest(
          { hostname, port, path, headers: { authorization: `Bearer ${READ_KEY}` } },
          (res) => {
            let body = ''
            res.on('data', (chunk: Buffer) => (body += chunk.toString()))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
          },
        )
        req.on('error', reject)
        req.end()
      })
    for (const [path, personId] of [
      ['/v1/profiles/user_id/%2E', 'p-dot'],
      ['/v1/profiles/user_id/%2e%2E', 'p-dotdot'],
      ['/v1/profiles/user_id/..', 'p-dotdot'],
      ['/v1/profiles/user_id?value=..', 'p-dotdot'],
    ]) {
      const res = await raw(path!)
      expect(res.status, path).toBe(200)
      expect((JSON.parse(res.body) as { person_id: string }).person_id).toBe(personId)
    }
  })
})

describe('traits', () => {
  it('never returns PII trait keys in their camelCase or snake_case variants', async () => {
    const res = await get('/v1/profiles/user_id/pia')
    expect(res.status).toBe(200)
    const text = await res.text()
    const body = JSON.parse(text) as { traits: unknown; traits_updated_at: Record<string, string> }
    expect(body.traits).toEqual({ city: 'Brest' })
    expect(Object.keys(body.traits_updated_at)).toEqual(['city'])
    // The loyalty card is an identifier: it stays in `identifiers` (as sent, documented), not in traits.
    const { loyaltyCard, ...notIdentifiers } = PII_TRAITS
    expect(text.split(loyaltyCard)).toHaveLength(2)
    for (const value of Object.values(notIdentifiers)) expect(text).not.toContain(value)
  })
})
