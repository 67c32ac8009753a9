import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
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
  {
    id: 'limited',
    writeKey: 'wk_limited_789',
    type: 'browser',
    allowedOrigins: ['https://limited.example'],
    rateLimit: { perMinute: 3 },
  },
  {
    id: 'consented',
    writeKey: 'wk_consent_000',
    type: 'server',
    consent: { required: 'analytics' },
    keepFullIp: true,
  },
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
  it('serves /healthz, /readyz and Prometheus /metrics with ingestion counters and request latency', async () => {
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
    expect(metrics).toMatch(/sillage_collector_request_duration_seconds_count\{route="\/v1\/batch"\} [1-9]/)
  })

  it('unknown routes get the catalogue 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' })
    expect(res.statusCode).toBe(404)
    expect(res.json().code).toBe('SIL_NOT_FOUND')
  })
})

/** Every request-level rejection: status, stable code, and the good events of the batch kept. */
describe('rejection paths', () => {
  const server = { authorization: basic('sk_server_456'), 'content-type': 'application/json' }
  const bigEvent = { ...ev(9), properties: { blob: 'x'.repeat(4000) } }
  const deep = (n: number): unknown => (n === 0 ? {} : { a: deep(n - 1) })
  const cases: Array<{
    name: string
    headers: Record<string, string>
    body: string | Buffer
    status: number
    code: string
    kept?: number
    rejected?: string[]
  }> = [
    {
      name: 'bad auth',
      headers: { ...server, authorization: basic('nope_nope') },
      body: JSON.stringify({ batch: [ev(1)] }),
      status: 401,
      code: 'SIL_AUTH_INVALID',
    },
    {
      name: 'missing auth',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ batch: [ev(1)] }),
      status: 401,
      code: 'SIL_AUTH_MISSING',
    },
    {
      name: 'origin not allowed',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ writeKey: 'wk_browser_123', batch: [ev(1)] }),
      status: 403,
      code: 'SIL_ORIGIN_NOT_ALLOWED',
    },
    {
      name: 'oversized batch',
      headers: server,
      body: JSON.stringify({ batch: Array.from({ length: 400 }, (_, i) => ev(i)) }),
      status: 413,
      code: 'SIL_PAYLOAD_TOO_LARGE',
    },
    {
      name: 'oversized event (good ones kept)',
      headers: server,
      body: JSON.stringify({ batch: [ev(1), bigEvent, ev(2)] }),
      status: 200,
      code: '',
      kept: 2,
      rejected: ['SIL_EVENT_TOO_LARGE'],
    },
    {
      name: 'invalid JSON',
      headers: server,
      body: '{"batch": [}',
      status: 400,
      code: 'SIL_BODY_INVALID_JSON',
    },
    {
      name: '__proto__ key (good ones kept)',
      headers: server,
      body: `{"batch": [${JSON.stringify(ev(1))}, {"type": "track", "event": "E", "anonymousId": "a", "properties": {"__proto__": {"polluted": true}}}]}`,
      status: 200,
      code: '',
      kept: 1,
      rejected: ['SIL_EVENT_FORBIDDEN_KEY'],
    },
    {
      name: 'constructor.prototype key (good ones kept)',
      headers: server,
      body: `{"batch": [{"type": "track", "event": "E", "anonymousId": "a", "traits": {"constructor": {"prototype": {"x": 1}}}}, ${JSON.stringify(ev(2))}]}`,
      status: 200,
      code: '',
      kept: 1,
      rejected: ['SIL_EVENT_FORBIDDEN_KEY'],
    },
    {
      name: 'bad gzip',
      headers: { ...server, 'content-encoding': 'gzip' },
      body: Buffer.from('not gzip at all'),
      status: 400,
      code: 'SIL_BODY_INVALID_GZIP',
    },
    {
      name: 'zip bomb',
      headers: { ...server, 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(JSON.stringify({ batch: [ev(1)], pad: ' '.repeat(200_000) }))),
      status: 413,
      code: 'SIL_PAYLOAD_TOO_LARGE',
    },
    {
      name: 'unknown encoding',
      headers: { ...server, 'content-encoding': 'br' },
      body: JSON.stringify({ batch: [ev(1)] }),
      status: 415,
      code: 'SIL_UNSUPPORTED_ENCODING',
    },
    {
      name: 'no anonymousId nor userId (good ones kept)',
      headers: server,
      body: JSON.stringify({ batch: [ev(1), { type: 'track', event: 'X' }] }),
      status: 200,
      code: '',
      kept: 1,
      rejected: ['SIL_EVENT_NO_IDENTITY'],
    },
    {
      name: 'deep nesting (good ones kept)',
      headers: server,
      body: JSON.stringify({ batch: [{ ...ev(1), properties: deep(40) }, ev(2)] }),
      status: 200,
      code: '',
      kept: 1,
      rejected: ['SIL_EVENT_TOO_DEEP'],
    },
    {
      name: 'consent missing (good ones kept)',
      headers: { ...server, authorization: basic('wk_consent_000') },
      body: JSON.stringify({
        batch: [{ ...ev(1), context: { consent: { categories: ['analytics'] } } }, ev(2)],
      }),
      status: 200,
      code: '',
      kept: 1,
      rejected: ['SIL_EVENT_NO_CONSENT'],
    },
  ]
  it.each(cases)('$name -> $status $code', async (c) => {
    const res = await app.inject({ method: 'POST', url: '/v1/batch', headers: c.headers, payload: c.body })
    expect(res.statusCode).toBe(c.status)
    const body = res.json()
    if (c.code) expect(body.code).toBe(c.code)
    if (c.kept !== undefined) {
      expect(body.accepted).toBe(c.kept)
      expect(body.rejected.map((r: { code: string }) => r.code)).toEqual(c.rejected)
      expect(await drain(TOPICS.raw, c.kept)).toHaveLength(c.kept)
      expect(await drain(TOPICS.invalid, c.rejected!.length)).toHaveLength(c.rejected!.length)
    }
  })

  it('rate limit per source and IP -> 429 with Retry-After, other IPs unaffected', async () => {
    const send = (ip: string, n: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/batch',
        remoteAddress: ip,
        headers: { authorization: basic('wk_limited_789') },
        payload: { batch: Array.from({ length: n }, (_, i) => ev(i)) },
      })
    expect((await send('198.51.100.1', 2)).statusCode).toBe(200)
    const limited = await send('198.51.100.1', 2)
    expect(limited.statusCode).toBe(429)
    expect(limited.json().code).toBe('SIL_RATE_LIMITED')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect((await send('198.51.100.2', 2)).statusCode).toBe(200)
  })

  it('a consent-refused event is dead-lettered without its content', async () => {
    const secret = { ...ev(1), properties: { email: 'someone@example.com' } }
    await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: basic('wk_consent_000') },
      payload: { batch: [secret] },
    })
    const [letter] = await drain(TOPICS.invalid, 1)
    expect(letter!.value.toString()).not.toContain('someone@example.com')
    expect(JSON.parse(letter!.value.toString()).payload).toEqual({
      type: 'track',
      messageId: 'm1',
      event: 'Product Viewed',
    })
  })
})

describe('request formats and enrichment', () => {
  it('accepts gzip bodies', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: {
        authorization: basic('sk_server_456'),
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      payload: gzipSync(Buffer.from(JSON.stringify({ batch: [ev(1), ev(2)] }))),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().accepted).toBe(2)
  })

  it('truncates the IP, parses the user agent, records Sec-GPC and DNT', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/track',
      remoteAddress: '203.0.113.77',
      headers: {
        authorization: basic('wk_browser_123'),
        'user-agent':
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
        'sec-gpc': '1',
        dnt: '1',
      },
      payload: { event: 'E', anonymousId: 'a1' },
    })
    expect(res.statusCode).toBe(200)
    const [record] = await drain(TOPICS.raw, 1)
    const event = JSON.parse(record!.value.toString())
    expect(event.context.ip).toBe('203.0.113.0')
    expect(event.context.consent).toEqual({ gpc: true, dnt: true })
    expect(event.ua).toMatchObject({ browser: 'Safari', os: 'iOS', deviceType: 'mobile', bot: false })
  })

  it('withdraws the GPC categories from a Consent Updated’s properties too, where the models read them', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization: basic('wk_browser_123'), 'sec-gpc': '1' },
      payload: {
        event: 'Consent Updated',
        userId: 'u-gpc',
        properties: { categories: ['analytics', 'marketing'] },
        context: { consent: { categories: ['analytics', 'marketing'] } },
      },
    })
    expect(res.statusCode).toBe(200)
    const [record] = await drain(TOPICS.raw, 1)
    const event = JSON.parse(record!.value.toString())
    expect(event.properties.categories).toEqual(['analytics'])
    expect(event.context.consent).toMatchObject({ gpc: true, categories: ['analytics'] })
  })

  it("ignores a server source's own connection: only the forwarded context describes the shopper", async () => {
    await app.inject({
      method: 'POST',
      url: '/v1/track',
      remoteAddress: '10.9.8.7',
      headers: { authorization: basic('sk_server_456'), 'user-agent': 'analytics-node-next/latest' },
      payload: { event: 'E', anonymousId: 'a1' },
    })
    const [record] = await drain(TOPICS.raw, 1)
    const event = JSON.parse(record!.value.toString())
    expect(event.context.ip).toBeUndefined()
    expect(event.context.userAgent).toBeUndefined()
  })

  it('keeps the full IP for a source that opts in, and a server-forwarded context.ip wins', async () => {
    await app.inject({
      method: 'POST',
      url: '/v1/track',
      remoteAddress: '10.0.0.1',
      headers: { authorization: basic('wk_consent_000') },
      payload: {
        event: 'E',
        anonymousId: 'a1',
        context: { ip: '198.51.100.23', consent: { categories: ['analytics'] } },
      },
    })
    const [record] = await drain(TOPICS.raw, 1)
    expect(JSON.parse(record!.value.toString()).context.ip).toBe('198.51.100.23')
  })

  it('answers CORS preflights for allowed browser origins only', async () => {
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/v1/batch',
        headers: { origin, 'access-control-request-method': 'POST' },
      })
    expect((await preflight('https://shop.example')).headers['access-control-allow-origin']).toBe(
      'https://shop.example',
    )
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined()
  })

  it('serves the GIF pixel and stores its event', async () => {
    const data = Buffer.from(
      JSON.stringify({
        writeKey: 'sk_server_456',
        event: 'Email Opened',
        userId: 'u7',
        properties: { campaign: 'nov' },
      }),
    ).toString('base64')
    const res = await app.inject({ method: 'GET', url: `/v1/pixel?data=${encodeURIComponent(data)}` })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('image/gif')
    expect(res.rawPayload.subarray(0, 6).toString()).toBe('GIF89a')
    const [record] = await drain(TOPICS.raw, 1)
    expect(JSON.parse(record!.value.toString())).toMatchObject({
      type: 'track',
      event: 'Email Opened',
      userId: 'u7',
    })
  })
})
