import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus, type BusRecord } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { FastifyInstance } from 'fastify'
import { createCollectorApp } from './app.js'

// The collector driven with inject(), over a real local log in a temp dir.
const sources = sourcesSchema.parse([
  { id: 'web', writeKey: 'wk_browser_123', type: 'browser', allowedOrigins: ['https://shop.example'] },
  { id: 'backend', writeKey: 'sk_server_456', type: 'server' },
])
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
const ev = (i: number) => ({
  type: 'track',
  event: 'Product Viewed',
  anonymousId: `a${i}`,
  messageId: `m${i}`,
})

let dir: string
let bus: Bus
let app: FastifyInstance

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-collector-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(2))
  app = createCollectorApp({
    config: { maxEventBytes: 2048, maxBatchBytes: 16 * 1024 },
    sources,
    bus,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
})
afterEach(async () => {
  await app.close()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Reads everything on a topic through a real consumer group. */
async function drain(topic: string, expected: number): Promise<BusRecord[]> {
  const records: BusRecord[] = []
  const sub = await bus.subscribe({
    topic,
    group: `drain-${topic}`,
    eachBatch: async (b) => void records.push(...b.records),
  })
  const deadline = Date.now() + 5000
  while (records.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  await sub.stop()
  return records
}

describe('POST /v1/batch', () => {
  it('writes accepted events to events.raw keyed by anonymousId, then answers 200', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic('sk_server_456') },
      payload: { batch: [ev(1), ev(2)], sentAt: new Date().toISOString() },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ success: true, accepted: 2, rejected: [] })
    const records = await drain(TOPICS.raw, 2)
    expect(records.map((r) => r.key).sort()).toEqual(['a1', 'a2'])
    const event = JSON.parse(records[0]!.value.toString())
    expect(event).toMatchObject({ sourceId: 'backend', type: 'track' })
    expect(event.receivedAt).toEqual(expect.any(String))
  })

  it('accepts the write key in the body and text/plain bodies (sendBeacon, analytics.js)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'content-type': 'text/plain', origin: 'https://shop.example' },
      payload: JSON.stringify({ writeKey: 'wk_browser_123', batch: [ev(3)] }),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().accepted).toBe(1)
  })

  it('dead-letters rejected events with their reason, and keeps the good ones', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic('sk_server_456') },
      payload: { batch: [ev(4), { type: 'track', event: 'NoId' }, ev(5)] },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().rejected).toEqual([
      { index: 1, code: 'SIL_EVENT_NO_IDENTITY', message: expect.any(String) },
    ])
    const [letter] = await drain(TOPICS.invalid, 1)
    expect(JSON.parse(letter!.value.toString())).toMatchObject({
      reason: { code: 'SIL_EVENT_NO_IDENTITY' },
      index: 1,
      sourceId: 'backend',
      payload: { type: 'track', event: 'NoId' },
    })
    expect(await drain(TOPICS.raw, 2)).toHaveLength(2)
  })

  it.each([
    ['no write key', {}, { batch: [ev(1)] }, 401, 'SIL_AUTH_MISSING'],
    ['unknown write key', { authorization: basic('nope_nope') }, { batch: [ev(1)] }, 401, 'SIL_AUTH_INVALID'],
    [
      'browser key from another origin',
      { origin: 'https://evil.example' },
      { writeKey: 'wk_browser_123', batch: [ev(1)] },
      403,
      'SIL_ORIGIN_NOT_ALLOWED',
    ],
    [
      'batch is not an array',
      { authorization: basic('sk_server_456') },
      { batch: 'x' },
      400,
      'SIL_BODY_INVALID',
    ],
    [
      'every event rejected',
      { authorization: basic('sk_server_456') },
      { batch: [{ type: 'track' }] },
      400,
      'SIL_BATCH_ALL_REJECTED',
    ],
  ])('%s -> %i %s', async (_name, headers, payload, status, code) => {
    const res = await app.inject({ method: 'POST', url: '/v1/batch', headers, payload })
    expect(res.statusCode).toBe(status)
    expect(res.json().code).toBe(code)
  })

  it('answers 400 SIL_BODY_INVALID_JSON to a body that is not JSON', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic('sk_server_456'), 'content-type': 'application/json' },
      payload: '{"batch": [',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('SIL_BODY_INVALID_JSON')
  })

  it('answers 413 SIL_PAYLOAD_TOO_LARGE over the batch limit', async () => {
    const batch = Array.from({ length: 400 }, (_, i) => ev(i))
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic('sk_server_456') },
      payload: { batch },
    })
    expect(res.statusCode).toBe(413)
    expect(res.json().code).toBe('SIL_PAYLOAD_TOO_LARGE')
  })

  it('answers 503 with Retry-After, never 200, when the bus cannot persist', async () => {
    await bus.close()
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic('sk_server_456') },
      payload: { batch: [ev(1)] },
    })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('5')
    expect(res.json().code).toBe('SIL_BUS_UNAVAILABLE')
    const ready = await app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(503)
  })
})

describe('single-event endpoints', () => {
  it.each(['/v1/track', '/v1/t'])('%s takes one event and implies its type', async (url) => {
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: basic('sk_server_456') },
      payload: { event: 'Order Completed', userId: 'u1', properties: { revenue: 10 } },
    })
    expect(res.statusCode).toBe(200)
    const [record] = await drain(TOPICS.raw, 1)
    expect(JSON.parse(record!.value.toString())).toMatchObject({
      type: 'track',
      event: 'Order Completed',
      userId: 'u1',
    })
    expect(record!.key).toBe('u1')
  })

  it('identify via /v1/identify', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/identify',
      headers: { authorization: basic('sk_server_456') },
      payload: { userId: 'u1', anonymousId: 'a1', traits: { plan: 'gold' } },
    })
    expect(res.statusCode).toBe(200)
  })
})

describe('operations', () => {
  it('serves /healthz, /readyz and Prometheus /metrics with ingestion counters', async () => {
    await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic('sk_server_456') },
      payload: { batch: [ev(1), { type: 'x' }] },
    })
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toContain('sillage_collector_events_accepted_total 1')
    expect(metrics).toContain('sillage_collector_events_rejected_total{code="SIL_EVENT_SCHEMA"} 1')
  })

  it('unknown routes get the catalogue 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' })
    expect(res.statusCode).toBe(404)
    expect(res.json().code).toBe('SIL_NOT_FOUND')
  })
})
