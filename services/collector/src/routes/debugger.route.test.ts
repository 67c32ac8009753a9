import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { FastifyInstance } from 'fastify'
import { createCollectorApp } from '../app.js'

// The debugger's routes on the real app, over a real local log in a temp dir.
const TOKEN = 'debugger_admin_token_0123456789'
const sources = sourcesSchema.parse([
  { id: 'web', writeKey: 'wk_browser_123', type: 'browser', allowedOrigins: ['https://shop.example'] },
  { id: 'backend', writeKey: 'sk_server_456', type: 'server' },
])
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`

let dir: string
let bus: Bus
let app: FastifyInstance

async function build(adminToken: string | undefined): Promise<FastifyInstance> {
  app = createCollectorApp({
    config: { maxEventBytes: 2048, maxBatchBytes: 16 * 1024, adminToken },
    sources,
    bus,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  return app
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-debugger-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(2))
})
afterEach(async () => {
  await app.close()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('debugger auth', () => {
  it('serves the login form, and refuses the stream, to a visitor without a session', async () => {
    await build(TOKEN)
    const page = await app.inject({ method: 'GET', url: '/debugger/' })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('action="/debugger/login"')
    expect(page.body).not.toContain('debugger.js')
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")

    const stream = await app.inject({
      method: 'GET',
      url: '/debugger/events',
      headers: { origin: 'https://shop.example', cookie: 'sillage_debugger=9999999999.forged' },
    })
    expect(stream.statusCode).toBe(401)
    expect(stream.json()).toMatchObject({ code: 'SIL_ADMIN_UNAUTHORIZED' })
    // A shop origin allowed for write keys gets no CORS grant on the debugger.
    expect(stream.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('exchanges the admin token for an HttpOnly, SameSite=Strict session cookie', async () => {
    await build(TOKEN)
    const wrong = await app.inject({
      method: 'POST',
      url: '/debugger/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=not-the-token',
    })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.headers['set-cookie']).toBeUndefined()
    expect(wrong.body).toContain('<p id="error">')

    const login = await app.inject({
      method: 'POST',
      url: '/debugger/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${TOKEN}`,
    })
    expect(login.statusCode).toBe(303)
    expect(login.headers.location).toBe('/debugger/')
    const setCookie = String(login.headers['set-cookie'])
    expect(setCookie).toMatch(
      /^sillage_debugger=\d+\.[\w-]+; Path=\/debugger; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    )
    expect(setCookie).not.toContain(TOKEN)

    const cookie = setCookie.split(';')[0]!
    const page = await app.inject({ method: 'GET', url: '/debugger/', headers: { cookie } })
    expect(page.body).toContain('/debugger/debugger.js')
    const tampered = cookie.replace(/\.(.)/, (_m, c: string) => `.${c === 'A' ? 'B' : 'A'}`)
    const refused = await app.inject({ method: 'GET', url: '/debugger/', headers: { cookie: tampered } })
    expect(refused.body).toContain('action="/debugger/login"')
  })

  it('is absent without an admin token', async () => {
    await build(undefined)
    expect((await app.inject({ method: 'GET', url: '/debugger/' })).statusCode).toBe(404)
  })
})

describe('debugger stream', () => {
  it('streams the backlog, then accepted and rejected events live, with the filters applied', async () => {
    await build(TOKEN)
    const post = (batch: unknown[]) =>
      app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { authorization: basic('sk_server_456') },
        payload: { batch },
      })
    await post([{ type: 'track', event: 'Before', anonymousId: 'watched-1' }])
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    const abort = new AbortController()
    const res = await fetch(`${url}/debugger/events?id=watched`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: abort.signal,
    })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const reader = res.body!.getReader()
    let text = ''
    const readUntil = async (needle: string) => {
      const deadline = Date.now() + 5000
      while (!text.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`no ${needle} in the stream: ${text}`)
        const { value, done } = await reader.read()
        if (done) throw new Error(`stream ended: ${text}`)
        text += Buffer.from(value).toString('utf8')
      }
    }
    await readUntil('"event":"Before"')
    await post([
      { type: 'track', event: 'Live', anonymousId: 'watched-1' },
      { type: 'track', event: 'Other', anonymousId: 'not-this-one' },
      { type: 'track', event: 12, anonymousId: 'watched-2' },
    ])
    await readUntil('"anonymousId":"watched-2"')
    // An open stream does not hold the shutdown up: close() ends it.
    await app.close()
    for (let r = await reader.read(); !r.done; r = await reader.read())
      text += Buffer.from(r.value).toString()
    abort.abort()

    const entries = text
      .split('\n\n')
      .filter((block) => block.includes('event: entry'))
      .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Record<string, unknown>)
    const seen = entries.map((e) => [e['status'], e['event'] ?? null, e['anonymousId']])
    // The backlog first; then the request's accepted and rejected events, whose writes to
    // events.raw and events.invalid complete in either order.
    expect(seen[0]).toEqual(['accepted', 'Before', 'watched-1'])
    expect(seen.slice(1)).toHaveLength(2)
    expect(seen.slice(1)).toEqual(
      expect.arrayContaining([
        ['accepted', 'Live', 'watched-1'],
        ['rejected', null, 'watched-2'],
      ]),
    )
    expect(entries.find((e) => e['status'] === 'rejected')).toMatchObject({
      sourceId: 'backend',
      reason: { code: 'SIL_EVENT_SCHEMA' },
    })
    expect(text).toContain('event: hello\ndata: {"sources":["web","backend"]')
  })
})
