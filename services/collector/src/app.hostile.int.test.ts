import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { FastifyInstance } from 'fastify'
import { createCollectorApp } from './app.js'

// Inputs a hostile-input sweep of `sillage start` found refusing good events with the bad ones
// (a whole batch for one value or one label), over a real local log in a temp dir.
const sources = sourcesSchema.parse([{ id: 'backend', writeKey: 'sk_server_456', type: 'server' }])
const auth = { authorization: `Basic ${Buffer.from('sk_server_456:').toString('base64')}` }

let dir: string
let bus: Bus
let app: FastifyInstance

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-hostile-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(2))
  app = createCollectorApp({
    config: { maxEventBytes: 4096, maxBatchBytes: 512 * 1024 },
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

/** The records of a topic as parsed JSON, polled until `expected` arrived. */
async function drain(topic: string, expected: number): Promise<Array<Record<string, unknown>>> {
  const values: Array<Record<string, unknown>> = []
  const sub = await bus.subscribe({
    topic,
    group: `drain-${topic}`,
    eachBatch: async (b) => {
      for (const r of b.records) values.push(JSON.parse(r.value.toString('utf8')) as Record<string, unknown>)
    },
  })
  const deadline = Date.now() + 5000
  while (values.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  await sub.stop()
  return values
}
const storedIds = async (n: number) => (await drain(TOPICS.raw, n)).map((e) => e['messageId']).sort()

const post = (url: string, payload: string | Buffer, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, headers: { ...auth, ...headers }, payload })

const track = (messageId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'track', event: 'Product Viewed', anonymousId: 'a1', messageId, ...extra })

describe('one value does not sink the batch', () => {
  it("Python's NaN and Infinity refuse their own event, not the request", async () => {
    // segment-analytics-python writes float('nan') (a pandas missing value) as a bare NaN token.
    const bad = (v: string) => `{"type":"track","event":"x","anonymousId":"a1","properties":{"p":${v}}}`
    const body =
      `{"batch":[${track('m1')},${bad('NaN')},${bad('Infinity')},${bad('-Infinity')},` +
      `${track('m2', { properties: { note: 'NaN or Infinity, in a string' } })}]}`
    const res = await post('/v1/batch', body, { 'content-type': 'application/json' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ accepted: 2 })
    expect(res.json().rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
      [1, 'SIL_EVENT_NUMBER_OUT_OF_RANGE'],
      [2, 'SIL_EVENT_NUMBER_OUT_OF_RANGE'],
      [3, 'SIL_EVENT_NUMBER_OUT_OF_RANGE'],
    ])
    const stored = await drain(TOPICS.raw, 2)
    expect(stored.map((e) => e['properties'])).toContainEqual({ note: 'NaN or Infinity, in a string' })
    expect(await drain(TOPICS.invalid, 3)).toHaveLength(3)
  })

  it('a NaN that is not a value (in a key, or broken JSON) stays a SIL_BODY_INVALID_JSON', async () => {
    const res = await post('/v1/batch', `{"batch":[${track('m1')}],NaN:1}`)
    expect(res.json()).toMatchObject({ code: 'SIL_BODY_INVALID_JSON' })
  })

  it.each([['9999-01-01T00:00:00Z'], ['0001-01-01T00:00:00Z'], ['soon']])(
    'a batch sentAt of %s is ignored: the events are stored, uncorrected',
    async (sentAt) => {
      const timestamp = '2026-03-01T10:00:00.000Z'
      const res = await post(
        '/v1/batch',
        `{"batch":[${track('m1', { timestamp })},${track('m2')}],"sentAt":"${sentAt}"}`,
      )
      expect(res.json()).toMatchObject({ success: true, accepted: 2, rejected: [] })
      const stored = await drain(TOPICS.raw, 2)
      expect(stored.map((e) => e['sentAt'])).toEqual([undefined, undefined])
      expect(stored.find((e) => e['messageId'] === 'm1')).toMatchObject({ timestamp })
    },
  )

  it("an event's own unreadable sentAt is ignored, the event kept", async () => {
    const res = await post('/v1/track', track('m1', { sentAt: '9999-12-31T23:59:59Z' }))
    expect(res.json()).toMatchObject({ success: true, accepted: 1 })
    expect(await storedIds(1)).toEqual(['m1'])
  })

  it('a batch envelope of the wrong shape is refused with the field named', async () => {
    const res = await post('/v1/batch', `{"batch":[${track('m1')}],"integrations":"All"}`)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'SIL_BODY_INVALID' })
    expect(res.json().message).toMatch(/integrations/)
  })
})

describe('the label does not decide', () => {
  it.each([
    ['an empty Content-Type', ''],
    ['a malformed Content-Type', ';;;'],
    ['a Content-Type without a subtype', 'json'],
  ])('%s is read as an unlabelled body', async (_name, label) => {
    const res = await post('/v1/batch', `{"batch":[${track('m1')}]}`, { 'content-type': label })
    expect(res.json()).toMatchObject({ success: true, accepted: 1 })
    expect(await storedIds(1)).toEqual(['m1'])
  })

  it.each([['application/json'], ['text/plain;charset=UTF-8']])(
    'gzip bytes labelled %s, without Content-Encoding, are inflated',
    async (label) => {
      const res = await post('/v1/batch', gzipSync(`{"batch":[${track('m1')}]}`), { 'content-type': label })
      expect(res.json()).toMatchObject({ success: true, accepted: 1 })
      expect(await storedIds(1)).toEqual(['m1'])
    },
  )
})

describe('a stalled body does not hold its connection forever', () => {
  it('is answered 408 SIL_REQUEST_TIMEOUT once the request time-out passes', async () => {
    const slow = createCollectorApp({
      config: { maxEventBytes: 4096, maxBatchBytes: 512 * 1024, requestTimeoutMs: 200 },
      sources,
      bus,
      log: createLogger({ level: 'silent' }),
      registry: createMetricsRegistry({ defaultMetrics: false }),
    })
    await slow.listen({ port: 0, host: '127.0.0.1' })
    try {
      const { port } = slow.server.address() as AddressInfo
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          // The headers, then 10 of the 1,000 bytes announced, then nothing.
          socket.write(
            `POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
              `Authorization: ${auth.authorization}\r\nContent-Length: 1000\r\n\r\n{"batch":[`,
          )
        })
        // Without a time-out the server would never answer: give up, and fail, after 20 s.
        socket.setTimeout(20_000, () => socket.destroy())
        let text = ''
        socket.on('data', (d: Buffer) => (text += d.toString('utf8')))
        socket.on('close', () => resolve(text))
        socket.on('error', reject)
      })
      expect(answer).toMatch(/^HTTP\/1\.1 408/)
      expect(answer).toContain('"code":"SIL_REQUEST_TIMEOUT"')
    } finally {
      await slow.close()
    }
  })
})

describe('a batch context copied into many events', () => {
  it('refuses a batch whose context would be copied past 8 MiB, and takes the same context over fewer events', async () => {
    const context = { pad: 'c'.repeat(2000) }
    const tiny = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        type: 'track',
        event: 't',
        anonymousId: 'a',
        messageId: `ctx-${i}`,
      }))
    const big = await post('/v1/batch', JSON.stringify({ batch: tiny(5000), context }), {
      'content-type': 'application/json',
    })
    expect(big.statusCode).toBe(413)
    expect(big.json()).toMatchObject({ code: 'SIL_BATCH_CONTEXT_TOO_LARGE' })
    const small = await post('/v1/batch', JSON.stringify({ batch: tiny(100), context }), {
      'content-type': 'application/json',
    })
    expect(small.statusCode).toBe(200)
    expect(await storedIds(100)).toHaveLength(100)
  })
})

describe('a batch of many items', () => {
  it('refuses more than 20,000 items whole, before any dead letter, and takes a full batch of small events', async () => {
    const zeros = await post('/v1/batch', `{"batch":[${Array(20_001).fill('0').join(',')}]}`, {
      'content-type': 'application/json',
    })
    expect(zeros.statusCode).toBe(413)
    expect(zeros.json()).toMatchObject({ code: 'SIL_BATCH_TOO_MANY_EVENTS' })
    const items = Array.from(
      { length: 7_000 },
      (_, i) => `{"type":"track","event":"t","anonymousId":"a","messageId":"n${i}"}`,
    )
    const ok = await post('/v1/batch', `{"batch":[${items.join(',')}]}`, {
      'content-type': 'application/json',
    })
    expect(ok.statusCode).toBe(200)
  })
})
