/**
 * The profiles thread (createProfilesWorker) on real chDB and the local bus, without `sillage
 * start`: an erasure added through `forwarding` reaches the thread at once by its message port
 * alone (nothing is produced to privacy.suppressions here, so the bus follower cannot be what
 * answers 404), and `idle` answers after the messages before it.
 */
import { request as httpRequest } from 'node:http'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { createSuppressionList, suppressionKey } from '@sillage/identifiers'
import { createLogger, createMetricsRegistry } from '../packages/runtime/src/index.js'
import { createProfilesWorker, type ProfilesWorker } from '../services/profiles/src/index.js'
import { tempDir, waitFor } from './helpers/pipeline.js'
import { TEST_PROFILE_OPTIONS } from './helpers/profile-options.js'
import { openShopWarehouse, type ShopWarehouse } from './helpers/shop.js'

const READ_KEY = 'rk_worker_0123456789abcdef'
const OPTIONS = {
  ...TEST_PROFILE_OPTIONS,
  readKeys: [{ id: 'all', key: READ_KEY, sources: ['*'] }],
  refreshIntervalMs: 200,
}
const busDir = tempDir('sillage-profiles-worker-bus-')
let wh: ShopWarehouse
let bus: Bus
let worker: ProfilesWorker
let base: string
let crashed: Error | undefined
let blocker: Server
let blockedPort = 0
let listening = 0

const lookup = async (userId: string) =>
  (await fetch(`${base}/v1/profiles/user_id/${userId}`, { headers: { authorization: `Bearer ${READ_KEY}` } }))
    .status

beforeAll(async () => {
  wh = await openShopWarehouse()
  const at = new Date(Date.now() - 60_000).toISOString()
  const event = {
    messageId: 'w1',
    type: 'identify',
    userId: 'ada',
    anonymousId: 'anon-ada',
    traits: { city: 'Arles' },
    context: {},
    properties: {},
    timestamp: at,
    receivedAt: at,
    sourceId: 'web',
  } as unknown as EnrichedEvent
  await wh.insert([
    { event, personId: 'p-ada' },
    // Identifier values that are path dot-segments.
    { event: { ...event, messageId: 'w2', userId: '.', anonymousId: 'anon-dot' }, personId: 'p-dot' },
    { event: { ...event, messageId: 'w3', userId: '..', anonymousId: 'anon-dots' }, personId: 'p-dots' },
  ])
  bus = createLocalBus({ dir: join(busDir.path, 'bus') })
  await bus.ensureTopics(defaultTopicSpecs(1))
  // The default port, taken by someone else after `sillage start` found it free.
  blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  blockedPort = (blocker.address() as { port: number }).port
  worker = createProfilesWorker({
    bus,
    warehouse: { database: 'sillage', dataDir: wh.dataDir },
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    logLevel: 'silent',
    options: OPTIONS,
    http: { port: blockedPort, host: '127.0.0.1', orAnyPort: true },
    suppressionGroupPrefix: 'test.suppressions',
    writeKeys: [],
    // A rotated source, as `sillage start` hands it over (its Source, previous keys included).
    browserSources: [
      {
        id: 'web',
        writeKey: 'wk_worker_new_0123',
        previousWriteKeys: [
          { writeKey: 'wk_worker_old_0123', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
        ],
        allowedOrigins: ['*'],
      },
    ],
    onCrash: (err) => {
      crashed = err
    },
  })
  listening = await worker.start()
  base = `http://127.0.0.1:${listening}`
  await waitFor(async () => (await lookup('ada')) === 200, { timeoutMs: 30_000, what: "ada's profile" })
}, 60_000)

afterAll(async () => {
  await worker?.stop()
  await bus?.close()
  await wh?.close()
  await worker?.exit()
  blocker?.close()
  busDir.remove()
})

describe('the default port taken by the time the thread listens', () => {
  it('listens on a free port instead and says which', () => {
    expect(listening).toBeGreaterThan(0)
    expect(listening).not.toBe(blockedPort)
    expect(crashed).toBeUndefined()
  })
})

describe("the profiles thread's port and the owner's relay", () => {
  it('answers a path no route takes with the catalogue 404, not Fastify’s default', async () => {
    const res = await fetch(`${base}/v1/nothing`, { headers: { authorization: `Bearer ${READ_KEY}` } })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { code: 'SIL_NOT_FOUND', message: 'no such endpoint' } })
    const post = await fetch(`${base}/v1/recommendations?product_id=x`, { method: 'POST' })
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
  })

  it('relays the lookup with the value in the query (`.` and `..` values) from the owner’s port', async () => {
    const owner = Fastify()
    worker.register(owner)
    const res = await owner.inject({
      url: '/v1/profiles/user_id?value=ada',
      headers: { authorization: `Bearer ${READ_KEY}` },
    })
    await owner.close()
    expect(res.statusCode).toBe(200)
    expect(res.json<{ person_id: string }>().person_id).toBe('p-ada')
  })
})

/**
 * GET `path` sent as is (a URL string would be resolved first), with the read key: the status and
 * what names the answer (the person, or the error code).
 */
const raw = (base: string, path: string) =>
  new Promise<{ status: number; answer: unknown }>((resolve, reject) => {
    const { hostname, port } = new URL(base)
    const req = httpRequest(
      { hostname, port, path, headers: { authorization: `Bearer ${READ_KEY}` } },
      (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => {
          const parsed = JSON.parse(body) as { person_id?: string; error?: { code: string } }
          resolve({ status: res.statusCode ?? 0, answer: parsed.person_id ?? parsed.error?.code })
        })
      },
    )
    req.on('error', reject)
    req.end()
  })

describe('dot-segment values through the owner’s port', () => {
  it('answers a raw `%2E`, `%2e%2E` or `..` segment as the profiles port does: the literal value', async () => {
    // The owner's router as the collector's port builds it (1 KB values).
    const owner = Fastify({ routerOptions: { maxParamLength: 1024 } })
    worker.register(owner)
    await owner.listen({ port: 0, host: '127.0.0.1' })
    const main = `http://127.0.0.1:${(owner.server.address() as { port: number }).port}`
    try {
      for (const [path, personId] of [
        ['/v1/profiles/user_id/%2E', 'p-dot'],
        ['/v1/profiles/user_id/%2e', 'p-dot'],
        ['/v1/profiles/user_id/.', 'p-dot'],
        ['/v1/profiles/user_id/%2e%2E', 'p-dots'],
        ['/v1/profiles/user_id/..', 'p-dots'],
        ['/v1/profiles/user_id?value=.', 'p-dot'],
        ['/v1/profiles/user_id?value=..', 'p-dots'],
      ] as const) {
        const [onMain, onThread] = [await raw(main, path), await raw(base, path)]
        expect(onMain, path).toEqual({ status: 200, answer: personId })
        expect(onThread, path).toEqual(onMain)
      }
      // A dot-segment type is no lookup type on either port.
      for (const path of ['/v1/profiles/%2E/ada', '/v1/profiles/%2E%2E?value=ada']) {
        const [onMain, onThread] = [await raw(main, path), await raw(base, path)]
        expect(onMain, path).toEqual({ status: 400, answer: 'SIL_PROFILE_BAD_IDENTIFIER' })
        expect(onThread, path).toEqual(onMain)
      }
    } finally {
      await owner.close()
    }
  })
})

describe('the browser route in the thread', () => {
  it('accepts a rotated-out write key during its grace period, as the collector does', async () => {
    for (const [key, status] of [
      ['wk_worker_new_0123', 200],
      ['wk_worker_old_0123', 200],
      ['wk_worker_other_0123', 401],
    ] as const) {
      const res = await fetch(`${base}/v1/me/recommendations?writeKey=${key}`, {
        headers: { origin: 'https://shop.example', cookie: 'sil_aid=anon-ada' },
      })
      expect(res.status, key).toBe(status)
    }
  })
})

describe('the profiles thread, its owner-side list', () => {
  it('answers 404 once an erasure is added through forwarding, by the port alone', async () => {
    const key = suppressionKey({ type: 'user_id', value: 'ada' })
    // The owner's list alone does not reach the thread, and nothing went to the bus.
    const owner = createSuppressionList()
    owner.add(key)
    expect(await lookup('ada')).toBe(200)
    const forwarding = worker.forwarding(createSuppressionList())
    forwarding.add(key)
    expect(forwarding.has(key)).toBe(true)
    // `idle` goes through the same port: once it answers, the suppression before it was applied.
    await worker.idle()
    expect(await lookup('ada')).toBe(404)
    expect(crashed).toBeUndefined()
  })
})
