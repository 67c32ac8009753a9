/**
 * Findings of a hostile sweep of the profile API, on real chDB behind a real listening server
 * built as the profiles port builds its own: nested PII traits never leave, the browser route's
 * refusals say what a browser must send (never a read key), a malformed escape in `?value=` is
 * refused as in the path, identity's blocked values (`guest`, `n/a`) name no one, and `limit`
 * takes whole numbers only.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { TEST_PROFILE_OPTIONS } from '../../../tests/helpers/profile-options.js'
import { openShopWarehouse, type ShopWarehouse } from '../../../tests/helpers/shop.js'
import { registerProfileRefusals } from './routes/refusals.js'
import { profilesServerOptions } from './server-options.js'
import { createProfilesStack, type ProfilesStack } from './stack.js'

const READ_KEY = 'rk_sweep_0123456789abcdef'
const BROWSER_KEY = 'wk_sweep_browser_0123'
const ORIGIN = 'https://shop.example'
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString()

function event(personId: string, fields: Record<string, unknown> & { messageId: string; type: string }) {
  const e = { context: {}, properties: {}, timestamp: at(30), receivedAt: at(30), sourceId: 'web', ...fields }
  return { event: e as unknown as EnrichedEvent, personId }
}
const order = (id: string, products: string[]) =>
  event('p-buyer', {
    messageId: `order-${id}`,
    type: 'track',
    event: 'Order Completed',
    userId: 'buyer',
    properties: { order_id: id, revenue: 10, products: products.map((p) => ({ product_id: p, price: 5 })) },
  })

let wh: ShopWarehouse
let stack: ProfilesStack
let app: FastifyInstance
let base: string

beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert([
    event('p-nested', {
      messageId: 'n1',
      type: 'identify',
      userId: 'nested',
      traits: {
        plan: 'pro',
        contact: {
          email: 'nested@example.com',
          firstName: 'Ada',
          phone_number: '+33600000000',
          city: 'Lyon',
        },
        addresses: [{ street: '1 rue X', city: 'Nantes' }],
        company: { name: 'ACME' },
      },
    }),
    event('p-percent', { messageId: 'pc1', type: 'identify', userId: '%ZZ', traits: { city: 'Brest' } }),
    // Identity's placeholders (blocked values) that events carry: never a person's identifiers.
    event('p-real', {
      messageId: 'j1',
      type: 'identify',
      userId: 'u-real',
      anonymousId: 'N/A',
      traits: { plan: 'a' },
    }),
    event('p-real', { messageId: 'j2', type: 'identify', userId: 'guest', anonymousId: 'anon-real' }),
    event('p-real', {
      messageId: 'j3',
      type: 'track',
      event: 'x',
      userId: '00000000-0000-0000-0000-000000000000',
    }),
    event('p-real', {
      messageId: 'j5',
      type: 'track',
      event: 'Product Added',
      anonymousId: 'anon-real',
      properties: { product_id: 'x9', price: 5, quantity: 2 },
    }),
    event('p-other', { messageId: 'j4', type: 'identify', userId: 'guest', anonymousId: '---' }),
    ...['o1', 'o2', 'o3', 'o4'].map((id, i) => order(id, ['x0', `x${i + 1}`])),
  ])
  stack = createProfilesStack({
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    options: { ...TEST_PROFILE_OPTIONS, readKeys: [{ id: 'all', key: READ_KEY, sources: ['*'] }] },
    browserSources: [{ id: 'web', writeKey: BROWSER_KEY, allowedOrigins: [ORIGIN] }],
  })
  app = Fastify(profilesServerOptions)
  registerProfileRefusals(app)
  stack.register(app)
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

describe('hostile sweep', () => {
  it('leaves PII trait keys out at any depth', async () => {
    const res = await get('/v1/profiles/user_id/nested')
    expect(res.status).toBe(200)
    const { traits } = (await res.json()) as { traits: Record<string, unknown> }
    expect(traits).toEqual({
      plan: 'pro',
      contact: { city: 'Lyon' },
      addresses: [{ city: 'Nantes' }],
      company: { name: 'ACME' },
    })
  })

  it('refuses a browser request without a browser key with its own code, never asking for a read key', async () => {
    for (const key of ['', 'wk_unknown_0000', READ_KEY]) {
      const res = await get(`/v1/me/recommendations?writeKey=${key}`, { origin: ORIGIN })
      expect(res.status).toBe(401)
      const body = (await res.json()) as { error: { code: string; message: string } }
      expect(body.error.code).toBe('SIL_PROFILE_BROWSER_KEY_INVALID')
      expect(body.error.message).toContain('writeKey')
    }
    const other = await get(`/v1/me/recommendations?writeKey=${BROWSER_KEY}`, {
      origin: 'https://evil.example',
    })
    expect(other.status).toBe(403)
    expect(((await other.json()) as { error: { message: string } }).error.message).toContain('Origin')
  })

  it('refuses a malformed percent-escape in the query value as the path form does', async () => {
    for (const path of [
      '/v1/profiles/user_id/%ZZ',
      '/v1/profiles/user_id?value=%ZZ',
      '/v1/profiles/user_id?value=%C0%AF',
    ]) {
      const res = await get(path)
      expect(res.status, path).toBe(400)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'SIL_PROFILE_BAD_IDENTIFIER',
      )
    }
    for (const path of [
      '/v1/profiles/user_id/%25ZZ',
      '/v1/profiles/user_id?value=%25ZZ',
      '/v1/profiles/user_id/%25ZZ?value=%ZZ',
    ]) {
      const res = await get(path)
      expect(res.status, path).toBe(200)
      expect(((await res.json()) as { person_id: string }).person_id).toBe('p-percent')
    }
  })

  it("leaves identity's blocked values out of a person's identifiers", async () => {
    const res = await get('/v1/profiles/user_id/u-real')
    const { identifiers } = (await res.json()) as { identifiers: Array<{ type: string; value: string }> }
    expect(identifiers.map((i) => `${i.type}:${i.value}`)).toEqual([
      'anonymous_id:anon-real',
      'user_id:u-real',
    ])
  })

  it('refuses a lookup of a blocked value, which many people send, instead of answering one of them', async () => {
    for (const path of [
      '/v1/profiles/user_id/guest',
      '/v1/profiles/user_id/GUEST',
      '/v1/profiles/anonymous_id/N%2FA',
      '/v1/profiles/anonymous_id/---',
      '/v1/profiles/user_id/00000000-0000-0000-0000-000000000000',
      '/v1/profiles/user_id?value=guest',
    ]) {
      const res = await get(path)
      expect(res.status, path).toBe(400)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'SIL_PROFILE_BAD_IDENTIFIER',
      )
    }
    const browser = await get(`/v1/me/recommendations?writeKey=${BROWSER_KEY}`, {
      origin: ORIGIN,
      cookie: 'sil_aid=N%2FA',
    })
    expect(
      ((await browser.json()) as { viewed_not_bought: unknown[]; cart_item_count: number }).cart_item_count,
    ).toBe(0)
  })

  it('takes a whole-number limit, clamped, and the default for anything else', async () => {
    const count = async (limit: string) => {
      const res = await get(`/v1/recommendations?product_id=x0&${limit}`)
      expect(res.status).toBe(200)
      return ((await res.json()) as { items: unknown[] }).items.length
    }
    expect(await count('limit=2')).toBe(2)
    expect(await count('limit=0')).toBe(1)
    expect(await count('limit=2.5')).toBe(4)
    expect(await count('limit=abc')).toBe(4)
    expect(await count('limit=1&limit=3')).toBe(4)
    const browser = await get(`/v1/me/recommendations?writeKey=${BROWSER_KEY}&product_id=x0&limit=1.5`, {
      origin: ORIGIN,
    })
    expect(((await browser.json()) as { bought_together: unknown[] }).bought_together).toHaveLength(4)
  })

  it('answers a trailing slash under /v1/ as the endpoint itself, query string or not (as the collector port)', async () => {
    const plain = await get('/v1/profiles/user_id/nested')
    const slash = await get('/v1/profiles/user_id/nested/')
    expect(slash.status).toBe(200)
    expect(await slash.json()).toEqual(await plain.json())
    const recs = await get('/v1/recommendations/?product_id=x0&limit=2')
    expect(recs.status).toBe(200)
    expect(((await recs.json()) as { items: unknown[] }).items).toHaveLength(2)
  })
})
