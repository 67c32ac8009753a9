/**
 * The in-process copy answers without asking the warehouse, on real chDB behind real routes: a
 * `person_id` the copy misses (unknown, or merged into another person, also after a restart) is
 * answered from the copy, and recommendations are answered from the copy right after a restart,
 * before the first scoring run ends. The store's reads are counted, never timed.
 */
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { TEST_PROFILE_OPTIONS } from '../../../tests/helpers/profile-options.js'
import { openShopWarehouse, type ShopWarehouse } from '../../../tests/helpers/shop.js'
import { createProfilesStack, type ProfilesStack } from './stack.js'

const READ_KEY = 'rk_restart_0123456789abcdef'
const OPTIONS = { ...TEST_PROFILE_OPTIONS, readKeys: [{ id: 'all', key: READ_KEY, sources: ['*'] }] }
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
const opened: Array<{ stack: ProfilesStack; close: () => Promise<void> }> = []

/** A profiles stack and its routes, as a (re)started service builds them; refreshed once unless told. */
async function open(opts: { refresh?: boolean; overlapMs?: number } = {}) {
  const stack = createProfilesStack({
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    options: { ...OPTIONS, refreshOverlapMs: opts.overlapMs ?? OPTIONS.refreshOverlapMs },
  })
  const app = Fastify()
  stack.register(app)
  await app.ready()
  opened.push({ stack, close: () => app.close() })
  if (opts.refresh !== false) await stack.refreshNow()
  const get = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${READ_KEY}` } })
  return { stack, get }
}

const personOf = (res: { statusCode: number; json: () => unknown }) =>
  res.statusCode === 200 ? (res.json() as { person_id: string }).person_id : res.statusCode

beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert([
    event('p-cust', { messageId: 'c1', type: 'identify', userId: 'cust', traits: { city: 'Caen' } }),
    event('p-anon', { messageId: 'a1', type: 'page', anonymousId: 'anon-1' }),
    ...['o1', 'o2', 'o3'].map((id, i) => order(id, ['x0', `x${i + 1}`])),
    order('o4', ['x1', 'x2']),
  ])
})

afterAll(async () => {
  for (const { stack, close } of opened) {
    await close()
    await stack.stop()
  }
  await wh?.close()
})

describe('a person_id lookup the copy misses', () => {
  it('is answered from the copy, a merged-away id by its survivor, also after a restart', async () => {
    const first = await open()
    const asked = vi.spyOn(first.stack.store, 'personOf')
    expect(personOf(await first.get('/v1/profiles/person_id/p-anon'))).toBe('p-anon')
    const unknown = await first.get('/v1/profiles/person_id/p-nobody')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ error: { code: 'SIL_PROFILE_NOT_FOUND' } })
    expect(asked).not.toHaveBeenCalled()

    // Identity stitches the anonymous visitor into the customer.
    await wh.warehouse.client.insert({
      table: 'sillage.person_overrides',
      format: 'JSONEachRow',
      values: [
        {
          old_person_id: 'p-anon',
          person_id: 'p-cust',
          version: 1,
          created_at: at(1).replace('T', ' ').replace('Z', ''),
        },
      ],
    })
    await first.stack.refreshNow()
    expect(personOf(await first.get('/v1/profiles/person_id/p-anon'))).toBe('p-cust')

    // A restart long after the merge: its first run re-reads nothing, so only the store knows it.
    const restarted = await open({ overlapMs: 0 })
    const askedAfter = vi.spyOn(restarted.stack.store, 'personOf')
    for (const [type, value] of [
      ['person_id', 'p-anon'],
      ['person_id', 'p-cust'],
      ['anonymous_id', 'anon-1'],
      ['user_id', 'cust'],
    ])
      expect(personOf(await restarted.get(`/v1/profiles/${type}/${value}`)), value).toBe('p-cust')
    expect(personOf(await restarted.get('/v1/profiles/person_id/p-nobody'))).toBe(404)
    expect(personOf(await restarted.get('/v1/profiles/person_id/p-anon-2'))).toBe(404)
    expect(askedAfter).not.toHaveBeenCalled()
  })
})

describe('recommendations after a restart', () => {
  it('are answered from the copy at once, before the first scoring run ends', async () => {
    const first = await open()
    await first.stack.scoreNow()
    const expected = (await first.get('/v1/recommendations?product_id=x0')).json() as { items: unknown[] }
    expect(expected.items.length).toBeGreaterThan(0)

    const restarted = await open({ refresh: false })
    const asked = vi.spyOn(restarted.stack.store, 'recommendations')
    restarted.stack.start()
    // Asked before the copy's preload has ended: it waits for it, then answers from the copy.
    const early = await restarted.get('/v1/recommendations?product_id=x0')
    const later = await restarted.get('/v1/recommendations?product_id=x1&limit=2')
    expect(early.statusCode).toBe(200)
    expect(early.json()).toEqual(expected)
    expect(later.json()).toEqual((await first.get('/v1/recommendations?product_id=x1&limit=2')).json())
    expect(asked).not.toHaveBeenCalled()
  })
})
