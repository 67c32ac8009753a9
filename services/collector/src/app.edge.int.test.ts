import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync, gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry, type Registry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { FastifyInstance } from 'fastify'
import { createCollectorApp } from './app.js'
import { createDebugTap, type DebugTap } from './domain/debug-tap.js'

// The collector's edge (issues 14 and 15): what any body, encoding or value becomes, over a real
// local log in a temp dir.
const sources = sourcesSchema.parse([
  { id: 'backend', writeKey: 'sk_server_456', type: 'server' },
  { id: 'web', writeKey: 'wk_browser_123', type: 'browser', allowedOrigins: ['*'] },
  { id: 'gpc-ignored', writeKey: 'sk_gpc_ignore', type: 'server', gpc: { optOut: [] } },
  { id: 'marketing-only', writeKey: 'sk_marketing', type: 'server', consent: { required: 'marketing' } },
])
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
const auth = { authorization: basic('sk_server_456') }

let dir: string
let bus: Bus
let app: FastifyInstance
let registry: Registry
let tap: DebugTap

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-edge-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(2))
  registry = createMetricsRegistry({ defaultMetrics: false })
  tap = createDebugTap()
  app = createCollectorApp({
    config: { maxEventBytes: 4096, maxBatchBytes: 512 * 1024, adminToken: 'admin-token-0123456789' },
    sources,
    bus,
    log: createLogger({ level: 'silent' }),
    registry,
    debugTap: tap,
  })
})
afterEach(async () => {
  await app.close()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Everything on a topic, as text (the bytes must be valid UTF-8 JSON), polled until `expected`. */
async function drain(topic: string, expected: number): Promise<string[]> {
  const values: string[] = []
  const sub = await bus.subscribe({
    topic,
    group: `drain-${topic}`,
    eachBatch: async (b) => {
      for (const r of b.records) values.push(new TextDecoder('utf-8', { fatal: true }).decode(r.value))
    },
  })
  const deadline = Date.now() + 5000
  while (values.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  await sub.stop()
  return values
}
const stored = async (n: number) => (await drain(TOPICS.raw, n)).map((v) => JSON.parse(v))

const post = (url: string, payload: string | Buffer, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, headers: { ...auth, ...headers }, payload })

const track = (extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Product Viewed',
  anonymousId: 'a1',
  ...extra,
})

describe('bodies are JSON whatever their label (issue 15)', () => {
  const body = JSON.stringify({ batch: [track({ messageId: 'm1' })] })
  const plain = (b: string) => b
  it.each([
    ['application/json', { 'content-type': 'application/json' }, plain],
    ['text/plain', { 'content-type': 'text/plain;charset=UTF-8' }, plain],
    [
      'gzip labelled form-urlencoded (RudderStack Node SDK)',
      { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
      gzipSync,
    ],
    ['application/octet-stream', { 'content-type': 'application/octet-stream' }, plain],
    ['no content type', {}, plain],
    ['deflate', { 'content-type': 'application/json', 'content-encoding': 'deflate' }, deflateSync],
    ['a byte-order mark', { 'content-type': 'application/json' }, (b: string) => `\ufeff${b}`],
    [
      'gzip bytes without their Content-Encoding',
      { 'content-type': 'application/x-www-form-urlencoded' },
      gzipSync,
    ],
  ] as const)('%s', async (_name, headers, encode) => {
    const res = await post('/v1/batch', encode(body), headers)
    expect(res.json()).toMatchObject({ success: true, accepted: 1 })
    expect((await stored(1))[0]).toMatchObject({ messageId: 'm1' })
  })

  it('a trailing slash names the same endpoint (analytics-java posts to /v1/import/)', async () => {
    for (const path of ['/v1/import/', '/v1/batch/']) {
      const res = await post(path, body, { 'content-type': 'application/json; charset=UTF-8' })
      expect(res.statusCode).toBe(200)
    }
    expect(await stored(2)).toHaveLength(2)
  })

  it('a gzip bomb without its Content-Encoding stops at the body limit', async () => {
    const bomb = gzipSync(`{"batch":[],"x":"${'y'.repeat(4 * 1024 * 1024)}"}`)
    const res = await post('/v1/batch', bomb, { 'content-type': 'application/octet-stream' })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ code: 'SIL_PAYLOAD_TOO_LARGE' })
  })

  it('a body that is not JSON is a 400 with its code, whatever the label', async () => {
    const res = await post('/v1/batch', 'data=%7B%7D', {
      'content-type': 'application/x-www-form-urlencoded',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'SIL_BODY_INVALID_JSON' })
  })
})

/** `levels` objects nested inside one another, as JSON text. */
const nested = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels)

describe('deep nesting (issue 15)', () => {
  it('20,000 levels answer a 400 with a stable code on /v1/batch and /v1/track, and are dead-lettered', async () => {
    const deep = nested(20_000)
    const batch = await post(
      '/v1/batch',
      `{"batch":[{"type":"track","event":"E","anonymousId":"a","properties":${deep}}]}`,
      {
        'content-type': 'application/json',
      },
    )
    expect(batch.statusCode).toBe(400)
    expect(batch.json()).toMatchObject({
      code: 'SIL_BATCH_ALL_REJECTED',
      rejected: [{ code: 'SIL_EVENT_TOO_DEEP' }],
    })
    const single = await post('/v1/track', `{"event":"E","anonymousId":"a","properties":${deep}}`, {
      'content-type': 'text/plain',
    })
    expect(single.statusCode).toBe(400)
    expect(single.json()).toMatchObject({ rejected: [{ code: 'SIL_EVENT_TOO_DEEP' }] })
    const letters = await drain(TOPICS.invalid, 2)
    expect(letters).toHaveLength(2)
    expect(letters[0]).toContain('[nested deeper than the limit]')
  })

  it.each([
    [
      'a deep array as an item',
      `{"batch":[${'['.repeat(60_000)}${']'.repeat(60_000)}]}`,
      'SIL_EVENT_NOT_OBJECT',
    ],
    [
      'a forbidden key before a deep value',
      `{"batch":[{"__proto__":1,"p":${nested(20_000)}}]}`,
      'SIL_EVENT_FORBIDDEN_KEY',
    ],
    [
      '1e400 before a deep value',
      `{"batch":[{"n":1e400,"p":${nested(20_000)}}]}`,
      'SIL_EVENT_NUMBER_OUT_OF_RANGE',
    ],
  ])('%s is refused with its code and dead-lettered cut short', async (_name, payload, code) => {
    const res = await post('/v1/batch', payload, { 'content-type': 'application/json' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ rejected: [{ code }] })
    expect(await drain(TOPICS.invalid, 1)).toHaveLength(1)
  })

  it('a deep batch context refuses the request whole', async () => {
    const res = await post(
      '/v1/batch',
      `{"batch":[${JSON.stringify(track())}],"context":${nested(20_000)}}`,
      {
        'content-type': 'application/json',
      },
    )
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'SIL_BODY_TOO_DEEP' })
  })
})

describe('forbidden keys anywhere (issue 14, item 3)', () => {
  it('a __proto__ in the batch-level context refuses the request and stores nothing', async () => {
    const res = await post(
      '/v1/batch',
      `{"batch":[${JSON.stringify(track({ messageId: 'poison' }))}],"context":{"__proto__":{"isAdmin":true}}}`,
      { 'content-type': 'application/json' },
    )
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'SIL_BODY_FORBIDDEN_KEY' })
    await post('/v1/batch', JSON.stringify({ batch: [track({ messageId: 'after' })] }))
    expect((await stored(1)).map((e) => e.messageId)).toEqual(['after'])
  })

  it.each([
    [
      'batch integrations',
      '{"batch":[EVENT],"integrations":{"All":{"constructor":{"x":1}}}}',
      'SIL_BODY_FORBIDDEN_KEY',
    ],
    [
      'event integrations',
      '{"batch":[{"type":"track","event":"E","anonymousId":"a","integrations":{"prototype":1}}]}',
      'SIL_EVENT_FORBIDDEN_KEY',
    ],
    [
      'traits',
      '{"batch":[{"type":"identify","userId":"u","traits":{"constructor":"x"}}]}',
      'SIL_EVENT_FORBIDDEN_KEY',
    ],
    [
      'properties',
      '{"batch":[{"type":"track","event":"E","anonymousId":"a","properties":{"p":[{"prototype":{}}]}}]}',
      'SIL_EVENT_FORBIDDEN_KEY',
    ],
  ])('%s', async (_name, body, code) => {
    const res = await post('/v1/batch', body.replace('EVENT', JSON.stringify(track())), {
      'content-type': 'application/json',
    })
    expect(res.statusCode).toBe(400)
    expect(JSON.stringify(res.json())).toContain(code)
  })
})

describe('values kept exactly (issue 14, item 4)', () => {
  it('a numeric userId beyond 2^53 is stored with its exact digits', async () => {
    const res = await post(
      '/v1/batch',
      '{"batch":[{"type":"identify","userId":12345678901234567890,"anonymousId":"a",' +
        '"context":{"externalIds":[{"id":98765432109876543210,"type":"crm"}]}}]}',
      { 'content-type': 'application/json' },
    )
    expect(res.json()).toMatchObject({ accepted: 1 })
    const [e] = await stored(1)
    expect(e.userId).toBe('12345678901234567890')
    expect(e.context.externalIds[0].id).toBe('98765432109876543210')
  })

  it('1e400 is refused with a code instead of becoming null', async () => {
    const res = await post(
      '/v1/batch',
      '{"batch":[{"type":"track","event":"E","anonymousId":"a","properties":{"x":1e400}},' +
        '{"type":"track","event":"Good","anonymousId":"a"}]}',
      { 'content-type': 'application/json' },
    )
    expect(res.json()).toMatchObject({
      accepted: 1,
      rejected: [{ index: 0, code: 'SIL_EVENT_NUMBER_OUT_OF_RANGE' }],
    })
  })

  it('NUL and ESC are removed from event names and ids', async () => {
    await post(
      '/v1/batch',
      JSON.stringify({ batch: [track({ event: 'Cart\u0000 Viewed\u001b', userId: 'u\u00001' })] }),
    )
    const [e] = await stored(1)
    expect(e).toMatchObject({ event: 'Cart Viewed', userId: 'u1' })
  })

  it('a lone surrogate becomes U+FFFD: the stored bytes are valid UTF-8 without \\ud800 escapes', async () => {
    const res = await post(
      '/v1/track',
      '{"event":"x\\ud800","anonymousId":"a","properties":{"k\\udc00":"\\udbff"}}',
      {
        authorization: basic('wk_browser_123'),
        'content-type': 'text/plain',
      },
    )
    expect(res.statusCode).toBe(200)
    const [raw] = await drain(TOPICS.raw, 1)
    expect(raw).not.toMatch(/\\ud[89a-f]/i)
    expect(JSON.parse(raw ?? '')).toMatchObject({ event: 'x\ufffd', properties: { 'k\ufffd': '\ufffd' } })
  })
})

/** Sends raw bytes to the listening app and reads until the server closes the connection. */
async function rawHttp(bytes: string): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
    let out = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => (out += d))
    socket.on('error', reject)
    socket.on('close', () => resolve(out))
  })
}

describe('every error body carries a SIL_ code (issue 14, item 5)', () => {
  it('a body longer than its Content-Length', async () => {
    const body = JSON.stringify({ batch: [track()] })
    const out = await rawHttp(
      `POST /v1/batch HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 10\r\nConnection: keep-alive\r\n\r\n${body}`,
    )
    const bodies = out.split('\r\n\r\n').slice(1)
    expect(bodies.length).toBeGreaterThan(0)
    for (const b of bodies) expect(b).toMatch(/"code":"SIL_[A-Z_]+"/)
    expect(out).toContain('SIL_BAD_REQUEST')
  })

  it('an HTTP method Node does not know', async () => {
    const out = await rawHttp('FOO /v1/batch HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(out).toMatch(/^HTTP\/1.1 400/)
    expect(out).toContain('"code":"SIL_BAD_REQUEST"')
  })

  it.each([
    [
      'a Content-Length mismatch (Fastify)',
      {
        method: 'POST',
        url: '/v1/batch',
        headers: { ...auth, 'content-type': 'application/json', 'content-length': '3' },
        payload: '{"batch":[]}',
      },
      400,
      'SIL_BAD_CONTENT_LENGTH',
    ],
    ['GET on a POST endpoint', { method: 'GET', url: '/v1/batch' }, 405, 'SIL_METHOD_NOT_ALLOWED'],
    ['DELETE on a POST endpoint', { method: 'DELETE', url: '/v1/track?x=1' }, 405, 'SIL_METHOD_NOT_ALLOWED'],
    ['an unknown path', { method: 'POST', url: '/v2/nothing' }, 404, 'SIL_NOT_FOUND'],
    ['a malformed URL', { method: 'GET', url: '/v1/%E0%A4%A' }, 400, 'SIL_BAD_REQUEST'],
    [
      'invalid JSON',
      {
        method: 'POST',
        url: '/v1/batch',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: '{"batch":',
      },
      400,
      'SIL_BODY_INVALID_JSON',
    ],
    [
      'a body too large',
      {
        method: 'POST',
        url: '/v1/batch',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: `{"batch":[],"x":"${'y'.repeat(600 * 1024)}"}`,
      },
      413,
      'SIL_PAYLOAD_TOO_LARGE',
    ],
    [
      'an unknown encoding',
      { method: 'POST', url: '/v1/batch', headers: { ...auth, 'content-encoding': 'br' }, payload: '{}' },
      415,
      'SIL_UNSUPPORTED_ENCODING',
    ],
  ] as const)('%s', async (_name, request, status, code) => {
    const res = await app.inject(request as Parameters<FastifyInstance['inject']>[0] & object)
    expect(res.statusCode).toBe(status)
    expect(res.json()).toMatchObject({ success: false, code })
    if (status === 405) expect(res.headers['allow']).toBe('POST')
  })

  it('counts refused requests by reason and shows them in the debugger', async () => {
    await post('/v1/batch', '{"batch":', { 'content-type': 'application/json' })
    await app.inject({ method: 'POST', url: '/v1/batch', payload: '{"batch":[]}' })
    const metrics = await registry.metrics()
    expect(metrics).toContain('sillage_collector_requests_refused_total{reason="SIL_BODY_INVALID_JSON"} 1')
    expect(metrics).toContain('sillage_collector_requests_refused_total{reason="SIL_AUTH_MISSING"} 1')
    const refused = tap.recent({}, 10).filter((e) => e.status === 'refused')
    expect(refused.map((e) => e.reason?.code)).toEqual(['SIL_BODY_INVALID_JSON', 'SIL_AUTH_MISSING'])
    expect(refused[0]).toMatchObject({
      sourceId: '',
      event: 'POST /v1/batch',
      payload: { contentType: 'application/json' },
    })
    expect(JSON.stringify(refused)).not.toContain(auth.authorization)
  })
})

describe('GPC (issue 15)', () => {
  const consented = (extra: Record<string, unknown> = {}) =>
    track({ context: { consent: { categories: ['analytics', 'marketing', 'sale'] } }, ...extra })

  it('Sec-GPC: 1 opts the request out of marketing and sale by default', async () => {
    await post('/v1/batch', JSON.stringify({ batch: [consented()] }), { 'sec-gpc': '1' })
    const [e] = await stored(1)
    expect(e.context.consent).toEqual({ categories: ['analytics'], gpc: true })
  })

  it('context.consent.gpc on the event is the same signal', async () => {
    const event = consented()
    ;(event['context'] as { consent: Record<string, unknown> }).consent['gpc'] = true
    await post('/v1/batch', JSON.stringify({ batch: [event] }))
    expect((await stored(1))[0].context.consent.categories).toEqual(['analytics'])
  })

  it('without the signal, or with an empty policy, consent is untouched', async () => {
    await post('/v1/batch', JSON.stringify({ batch: [consented({ messageId: 'plain' })] }))
    await post('/v1/batch', JSON.stringify({ batch: [consented({ messageId: 'ignored' })] }), {
      'sec-gpc': '1',
      authorization: basic('sk_gpc_ignore'),
    })
    const events = await stored(2)
    expect(events.find((e) => e.messageId === 'plain').context.consent).toEqual({
      categories: ['analytics', 'marketing', 'sale'],
    })
    expect(events.find((e) => e.messageId === 'ignored').context.consent).toEqual({
      categories: ['analytics', 'marketing', 'sale'],
      gpc: true,
    })
  })

  it('a source that requires marketing refuses a GPC request', async () => {
    const res = await post('/v1/batch', JSON.stringify({ batch: [consented()] }), {
      'sec-gpc': '1',
      authorization: basic('sk_marketing'),
    })
    expect(res.json()).toMatchObject({ rejected: [{ code: 'SIL_EVENT_NO_CONSENT' }] })
  })
})
