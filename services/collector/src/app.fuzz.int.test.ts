import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync, gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus, type BusRecord } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { FastifyInstance } from 'fastify'
import { createCollectorApp } from './app.js'

// Property tests: random and mutated payloads through the real app and a real local log.
const auth = { authorization: `Basic ${Buffer.from('sk_fuzz_123456:').toString('base64')}` }
let dir: string
let bus: Bus
let app: FastifyInstance

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-fuzz-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(2))
  app = createCollectorApp({
    config: { maxEventBytes: 32 * 1024, maxBatchBytes: 500 * 1024 },
    sources: sourcesSchema.parse([{ id: 'fuzz', writeKey: 'sk_fuzz_123456', type: 'server' }]),
    bus,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
})
afterAll(async () => {
  await app.close()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

const post = (payload: string | Buffer, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { ...auth, 'content-type': 'application/json', ...headers },
    payload,
  })

let seq = 0
const validEvent = fc
  .record({
    type: fc.constantFrom('track', 'page', 'identify', 'screen'),
    event: fc.string({ minLength: 1, maxLength: 30 }),
    anonymousId: fc.string({ minLength: 1, maxLength: 40 }),
    properties: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
  })
  // fast-check does generate "__proto__", "constructor" and "prototype" keys: events with them are refused
  // (SIL_EVENT_FORBIDDEN_KEY, tested apart), so they are not valid events here.
  .filter((e) => !/"(__proto__|constructor|prototype)":/.test(JSON.stringify(e)))
  .map((e) => ({ ...e, messageId: `valid-${seq++}` }))

/** Items that can never be valid events: not objects, or no identity at all. */
const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })).map((d) => {
    const { anonymousId: _a, userId: _u, ...rest } = d
    return { ...rest, type: 'track', event: 'Junk' }
  }),
)

describe('collector properties', () => {
  it('never answers 5xx to arbitrary JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (body) => {
        const res = await post(JSON.stringify(body))
        expect(res.statusCode).toBeLessThan(500)
      }),
      { numRuns: 150 },
    )
  })

  it('never answers 5xx to mutated batches, compressed or not', async () => {
    const base = JSON.stringify({
      batch: [{ type: 'track', event: 'E', anonymousId: 'a', properties: { x: [1, { y: 'z' }] } }],
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ at: fc.nat(base.length), cut: fc.nat(4), insert: fc.string({ maxLength: 4 }) }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.boolean(),
        async (mutations, gzip) => {
          let s = base
          for (const m of mutations) s = s.slice(0, m.at) + m.insert + s.slice(m.at + m.cut)
          const res = gzip ? await post(gzipSync(s), { 'content-encoding': 'gzip' }) : await post(s)
          expect(res.statusCode).toBeLessThan(500)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('keeps every valid event of a batch, whatever junk surrounds it, and lists exactly the junk', async () => {
    const acceptedIds: string[] = []
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(validEvent, junk), { minLength: 1, maxLength: 30 }),
        async (items) => {
          const res = await post(JSON.stringify({ batch: items }))
          expect(res.statusCode).toBeLessThan(500)
          const validIdx = items.flatMap((it, i) =>
            typeof it === 'object' && it !== null && 'messageId' in it ? [i] : [],
          )
          const body = res.json()
          if (validIdx.length === 0) {
            expect(res.statusCode).toBe(400)
            return
          }
          expect(res.statusCode).toBe(200)
          expect(body.accepted).toBe(validIdx.length)
          const rejected = new Set((body.rejected as Array<{ index: number }>).map((r) => r.index))
          expect(items.map((_, i) => i).filter((i) => !rejected.has(i))).toEqual(validIdx)
          for (const i of validIdx) acceptedIds.push((items[i] as { messageId: string }).messageId)
        },
      ),
      { numRuns: 120 },
    )
    // Every acknowledged valid event is really on events.raw.
    const seen = new Set<string>()
    const records: BusRecord[] = []
    const sub = await bus.subscribe({
      topic: TOPICS.raw,
      group: 'fuzz-check',
      eachBatch: async (b) => void records.push(...b.records),
    })
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      for (const r of records.splice(0)) seen.add(String(JSON.parse(r.value.toString()).messageId))
      if (acceptedIds.every((id) => seen.has(id))) break
      await new Promise((r) => setTimeout(r, 20))
    }
    await sub.stop()
    expect(acceptedIds.filter((id) => !seen.has(id))).toEqual([])
  })
})

/** Every refusal names its reason with a stable code, never a bare framework body. */
function expectStableAnswer(res: { statusCode: number; body: string }) {
  expect(res.statusCode).toBeLessThan(500)
  if (res.statusCode >= 300)
    expect(JSON.parse(res.body)).toMatchObject({ code: expect.stringMatching(/^SIL_/) })
}

/** A lone surrogate escape in serialised JSON (not an escaped backslash followed by "ud800"). */
const LONE_SURROGATE = /(^|[^\\])(\\\\)*\\ud[89a-f]/i

describe('collector properties at the parser boundary (depth, size, encoding)', () => {
  const nest = (levels: number, array: boolean) =>
    array ? '['.repeat(levels) + '1' + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels)

  it('answers a stable 4xx, never 5xx, to any depth, anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60_000 }),
        fc.boolean(),
        fc.constantFrom('properties', 'batch-context', 'item', 'body'),
        fc.constantFrom('/v1/batch', '/v1/track', '/v1/identify'),
        async (levels, array, where, url) => {
          const deep = nest(levels, array)
          const event = (inner: string) =>
            `{"type":"track","event":"E","anonymousId":"a","properties":{"x":${inner}}}`
          const payload =
            where === 'body'
              ? deep
              : url !== '/v1/batch'
                ? event(deep)
                : where === 'properties'
                  ? `{"batch":[${event(deep)}]}`
                  : where === 'item'
                    ? `{"batch":[${deep}]}`
                    : `{"batch":[${event('1')}],"context":{"x":${deep}}}`
          const res = await app.inject({
            method: 'POST',
            url,
            headers: { ...auth, 'content-type': 'text/plain' },
            payload,
          })
          expectStableAnswer(res)
          if (levels > 40 && where !== 'batch-context') expect(res.statusCode).toBe(400)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('answers 413 past the body limit (after decompression), and never 5xx around it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 400 * 1024, max: 700 * 1024 }),
        fc.constantFrom('none', 'gzip', 'deflate'),
        async (size, encoding) => {
          const text = JSON.stringify({
            batch: [{ type: 'track', event: 'E', anonymousId: 'a' }],
            pad: 'x'.repeat(size),
          })
          const payload =
            encoding === 'gzip' ? gzipSync(text) : encoding === 'deflate' ? deflateSync(text) : text
          const res = await post(payload, encoding === 'none' ? {} : { 'content-encoding': encoding })
          expectStableAnswer(res)
          expect(res.statusCode).toBe(text.length > 500 * 1024 ? 413 : 200)
        },
      ),
      { numRuns: 20 },
    )
  })

  it('reads JSON whatever the label and encoding; stores only valid UTF-8 without lone surrogates', async () => {
    const hostileChar = fc.constantFrom(
      '\\ud800',
      '\\udfff',
      '\\u0000',
      '\\u001b',
      '\\u202e',
      '😀',
      '\\ufeff',
      'é',
      '\\ud83d\\ude00',
    )
    // Fragments of a JSON string's body, as a client writes them (escapes included).
    const hostileText = fc
      .array(
        fc.oneof(
          hostileChar,
          fc.string({ maxLength: 3, unit: 'binary' }).map((c) => JSON.stringify(c).slice(1, -1)),
        ),
        { maxLength: 6 },
      )
      .map((parts) => parts.join(''))
    const labels = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'image/png',
      '',
    )
    const ids: string[] = []
    await fc.assert(
      fc.asyncProperty(
        hostileText,
        hostileText,
        labels,
        fc.constantFrom('none', 'gzip', 'deflate', 'x-gzip', 'br', 'gzip, deflate'),
        fc.option(fc.uint8Array({ maxLength: 8 }), { nil: undefined }),
        async (name, value, label, encoding, junkBytes) => {
          const messageId = `enc-${seq++}`
          // Built as text so that escapes such as \ud800 reach the parser as a client writes them.
          const text =
            `{"batch":[{"type":"track","messageId":"${messageId}","anonymousId":"a",` +
            `"event":"E${name}","properties":{"v":"${value}"}}]}`
          let bytes = Buffer.from(text)
          // Invalid UTF-8 inside the event name's string: decoded as U+FFFD.
          if (junkBytes) {
            const at = bytes.indexOf('"E') + 2
            bytes = Buffer.concat([
              bytes.subarray(0, at),
              Buffer.from(junkBytes.filter((b) => b >= 0x80)),
              bytes.subarray(at),
            ])
          }
          const payload =
            encoding === 'gzip' || encoding === 'x-gzip'
              ? gzipSync(bytes)
              : encoding === 'deflate'
                ? deflateSync(bytes)
                : bytes
          const headers: Record<string, string> = {}
          if (label) headers['content-type'] = label
          if (encoding !== 'none') headers['content-encoding'] = encoding
          const res = await post(payload, headers)
          expectStableAnswer(res)
          if (encoding === 'br' || encoding === 'gzip, deflate')
            expect(res.json().code).toBe('SIL_UNSUPPORTED_ENCODING')
          else {
            expect(res.statusCode).toBe(200)
            ids.push(messageId)
          }
        },
      ),
      { numRuns: 120 },
    )
    const found = new Map<string, Buffer>()
    const sub = await bus.subscribe({
      topic: TOPICS.raw,
      group: 'fuzz-encoding-check',
      eachBatch: async (b) => {
        for (const r of b.records) found.set(String(JSON.parse(r.value.toString()).messageId), r.value)
      },
    })
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline && !ids.every((id) => found.has(id)))
      await new Promise((r) => setTimeout(r, 20))
    await sub.stop()
    expect(ids.filter((id) => !found.has(id))).toEqual([])
    for (const id of ids) {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(found.get(id))
      expect(text).not.toMatch(LONE_SURROGATE)
      // eslint-disable-next-line no-control-regex -- control characters are what is looked for
      expect(JSON.parse(text).event).not.toMatch(/[\u0000-\u001f]/)
    }
  })
})
