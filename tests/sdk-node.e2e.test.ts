import { execFile, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import Fastify from 'fastify'
import { encodeConsentCookie, SILLAGE_COOKIES } from '@sillage/schemas'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// The SDK from source (tests/ does not depend on the package); the child-process test below
// loads the built CommonJS output instead.
import {
  createFetchTransport,
  Sillage,
  sillageFastify,
  type SillageError,
  type SillageOptions,
  type Transport,
  type VisitorCalls,
} from '../packages/sdk-node/src/index.js'
import { launchChromium } from './helpers/browser.js'
import {
  freePort,
  query,
  repoRoot,
  startPipeline,
  tempDir,
  waitFor,
  waitForCount,
  WRITE_KEY,
  type Pipeline,
} from './helpers/pipeline.js'

declare module 'fastify' {
  interface FastifyRequest {
    sillage: VisitorCalls
  }
}

const run = promisify(execFile)
const LIMITED_KEY = 'wk_sdk_limited_0123456789'
const SHOP_KEY = 'wk_sdk_shop_0123456789'
const SHOP_ORIGIN = 'http://shop.test'
const SOURCES = [
  // 120 events per minute: the 121st event of a burst gets a 429 with Retry-After.
  { id: 'limited', writeKey: LIMITED_KEY, type: 'server', rateLimit: { perMinute: 120 } },
  { id: 'shop', writeKey: SHOP_KEY, type: 'browser', allowedOrigins: [SHOP_ORIGIN] },
]

interface Seen {
  at: number
  status: number | 'network-error'
  retryAfter: string | null
  retryCount: string | undefined
  ids: string[]
}

/** The real fetch transport, observed: what was sent, when, and what came back. */
function recordingTransport(seen: Seen[]): Transport {
  const inner = createFetchTransport()
  return {
    async send(request) {
      const raw = typeof request.body === 'string' ? request.body : gunzipSync(request.body).toString()
      const ids = (JSON.parse(raw) as { batch: Array<{ messageId: string }> }).batch.map((e) => e.messageId)
      const base = { retryCount: request.headers['x-retry-count'], ids }
      try {
        const res = await inner.send(request)
        seen.push({ ...base, at: Date.now(), status: res.status, retryAfter: res.headers.get('retry-after') })
        return res
      } catch (err) {
        seen.push({ ...base, at: Date.now(), status: 'network-error', retryAfter: null })
        throw err
      }
    },
  }
}

const countSql = (event: string) =>
  `SELECT count() AS n, uniqExact(message_id) AS u FROM sillage.events WHERE event = '${event}'`

describe('Node SDK against the real collector and ClickHouse (sillage start)', () => {
  const dir = tempDir('sillage-sdk-node-')
  let port: number
  let pipeline: Pipeline
  const clients: Sillage[] = []
  const client = (opts: Partial<SillageOptions> = {}) => {
    const c = new Sillage({ writeKey: WRITE_KEY, host: pipeline.url, onError: () => {}, ...opts })
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    port = await freePort()
    pipeline = await startPipeline({ dataDir: dir.path, port, browserSource: true, extraSources: SOURCES })
  })
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close({ timeoutMs: 1000 })))
    await pipeline?.stop()
    dir.remove()
  })

  it('delivers 10,000 events: flush() resolves, then exactly 10,000 rows', async () => {
    const sillage = client()
    for (let i = 0; i < 10_000; i++)
      sillage.track({ event: 'SDK Bulk', anonymousId: `bulk-${i % 100}`, properties: { i } })
    await sillage.flush()
    expect(sillage.stats()).toMatchObject({ accepted: 10_000, failed: 0, undelivered: 0 })
    const row = await waitForCount<{ n: string; u: string }>(pipeline.url, countSql('SDK Bulk'), 10_000)
    expect([Number(row.n), Number(row.u)]).toEqual([10_000, 10_000])
  })

  it('does not retry a 400 or a 401, and reports every event of them', async () => {
    const seen: Seen[] = []
    const errors: SillageError[] = []
    const sillage = client({ transport: recordingTransport(seen), onError: (e) => errors.push(e) })
    // The SDK cannot know the collector's date range: a year-2200 timestamp is refused there.
    const ids = [1, 2].map((i) =>
      sillage.track({ event: 'SDK Refused', userId: `refused-${i}`, timestamp: Date.UTC(2200, 0, 1) }),
    )
    const err = (await sillage.flush().catch((e: unknown) => e)) as SillageError
    expect(seen.map((s) => s.status)).toEqual([400])
    expect(err.code).toBe('SIL_SDK_FLUSH_FAILED')
    expect(err.failed.map((f) => [f.messageId, f.code, f.collectorCode, f.status])).toEqual(
      ids.map((id) => [id, 'SIL_SDK_EVENT_REJECTED', 'SIL_EVENT_SCHEMA', 400]),
    )
    expect(errors.map((e) => e.failed.length)).toEqual([2])

    const wrongKey = client({ writeKey: 'wk_nobody_0123456789', transport: recordingTransport(seen) })
    wrongKey.track({ event: 'SDK Refused', userId: 'refused-3' })
    await expect(wrongKey.flush()).rejects.toMatchObject({
      failed: [{ code: 'SIL_SDK_REQUEST_REFUSED', collectorCode: 'SIL_AUTH_INVALID', status: 401 }],
    })
    expect(seen.map((s) => s.status)).toEqual([400, 401])
  })

  it('waits for Retry-After when the collector rate-limits (429), then delivers everything once', async () => {
    const seen: Seen[] = []
    const sillage = client({ writeKey: LIMITED_KEY, maxBatchEvents: 4, transport: recordingTransport(seen) })
    for (let i = 0; i < 132; i++) sillage.track({ event: 'SDK Limited', userId: `limited-${i % 5}` })
    await sillage.flush()

    const limited = seen.flatMap((s, i) => (s.status === 429 ? [i] : []))
    expect(limited.length).toBeGreaterThan(0)
    for (const i of limited) {
      const [refused, retry] = [seen[i]!, seen[i + 1]!]
      const waitMs = Number(refused.retryAfter) * 1000
      expect(waitMs).toBeGreaterThan(0)
      // Timers may run a few ms before Date.now() says so; the floor is Retry-After.
      expect(retry.at - refused.at).toBeGreaterThanOrEqual(waitMs - 20)
      expect(retry.ids).toEqual(refused.ids)
      expect(Number(retry.retryCount)).toBe(Number(refused.retryCount) + 1)
    }
    const row = await waitForCount<{ n: string; u: string }>(pipeline.url, countSql('SDK Limited'), 132)
    expect([Number(row.n), Number(row.u)]).toEqual([132, 132])
  })

  it('stitches a server-side Order Completed (Fastify request with the browser cookies) to the browsing', async () => {
    const suffix = Date.now().toString(36)
    const anonymousId = `stitch-anon-${suffix}`
    const userId = `stitch-user-${suffix}`
    const sessionId = Date.now() - 60_000 // the visit began a minute ago
    const consent = { categories: ['analytics'], policyVersion: '1' }

    // What the browser SDK sends while the visitor browses (text/plain, write key in the body).
    const browse = ['Product Viewed', 'Product Added'].map((event, i) => ({
      type: 'track',
      event,
      anonymousId,
      messageId: `stitch-${suffix}-${i}`,
      timestamp: new Date(sessionId + i * 1000).toISOString(),
      properties: { product_id: 'mug-blue', price: 12.5 },
      context: { sessionId, consent },
    }))
    const res = await fetch(`${pipeline.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: SHOP_ORIGIN },
      body: JSON.stringify({ batch: browse, writeKey: SHOP_KEY }),
    })
    expect(res.status).toBe(200)

    // The shop's backend: Fastify with the plugin, answering the checkout once Sillage has the order.
    const sillage = client()
    const app = Fastify()
    await app.register(sillageFastify(sillage))
    app.post('/checkout', async (request) => {
      request.sillage.orderCompleted({
        userId,
        properties: {
          order_id: `order-${suffix}`,
          total: 25,
          currency: 'EUR',
          products: [{ product_id: 'mug-blue', price: 12.5, quantity: 2 }],
        },
      })
      await sillage.flush()
      return { ok: true }
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const cookie = [
        `${SILLAGE_COOKIES.anonymousId}=${encodeURIComponent(anonymousId)}`,
        `${SILLAGE_COOKIES.session}=${sessionId}`,
        `${SILLAGE_COOKIES.consent}=${encodeConsentCookie(consent)}`,
      ].join('; ')
      const address = app.server.address() as { port: number }
      const checkout = await fetch(`http://127.0.0.1:${address.port}/checkout`, {
        method: 'POST',
        headers: { cookie, 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0' },
      })
      expect(checkout.status).toBe(200)
    } finally {
      await app.close()
    }

    type Row = { event: string; user_id: string; person_id: string; session_id: string; consent: string }
    const rows = await waitFor(
      async () => {
        const r = await query<Row>(
          pipeline.url,

          `SELECT event, user_id, person_id, session_id, consent FROM sillage.events_resolved
           WHERE anonymous_id = '${anonymousId}' ORDER BY timestamp`,
        )
        return r.length === 3 && new Set(r.map((x) => x.person_id)).size === 1 ? r : undefined
      },
      { timeoutMs: 30_000, what: 'browsing and order resolved to one person' },
    )
    expect(rows.map((r) => [r.event, r.user_id])).toEqual([
      ['Product Viewed', ''],
      ['Product Added', ''],
      ['Order Completed', userId],
    ])
    expect(new Set(rows.map((r) => r.session_id))).toEqual(new Set([String(sessionId)]))
    expect(JSON.parse(rows[2]!.consent)).toMatchObject(consent)
  })

  it('a Chromium visit to the demo shop, then Order Completed from a Fastify server with its cookies: one person in events_resolved', async () => {
    // The visit: real Chromium, the demo shop served by `sillage start`, consent granted in the banner.
    const browser = await launchChromium()
    let cookies: Array<{ name: string; value: string }>
    let userAgent: string
    let anonymousId: string
    try {
      const context = await browser.newContext()
      const page = await context.newPage()
      await page.goto(`${pipeline.url}/demo/`)
      await page.click('#consent-accept')
      await page.click('text=Blue mug')
      await page.waitForURL('**/demo/product.html?id=mug-blue')
      await page.click('#add-to-cart')
      await page.evaluate('window.sillage.flush()')
      userAgent = await page.evaluate<string>('navigator.userAgent')
      // The first-party cookies the browser SDK wrote, as the shop's backend would receive them.
      const names: string[] = Object.values(SILLAGE_COOKIES)
      cookies = (await context.cookies(pipeline.url)).filter((c) => names.includes(c.name))
      expect(cookies.map((c) => c.name).sort()).toEqual([...names].sort())
      anonymousId = decodeURIComponent(cookies.find((c) => c.name === SILLAGE_COOKIES.anonymousId)!.value)
      // The SDK's ids are 26 base32 characters; checked before it goes into SQL.
      expect(anonymousId).toMatch(/^[0-9a-v]{26}$/)
      // The browsing is in ClickHouse before the purchase, as in a real visit.
      await waitForCount(
        pipeline.url,
        `SELECT count() AS n FROM sillage.events
         WHERE anonymous_id = '${anonymousId}' AND event = 'Product Added'`,
        1,
      )
    } finally {
      await browser.close()
    }
    const sessionId = cookies.find((c) => c.name === SILLAGE_COOKIES.session)!.value

    // The shop's backend: a real Fastify server with the plugin, sending through the `test` server source.
    const suffix = Date.now().toString(36)
    const userId = `chromium-user-${suffix}`
    const sillage = client()
    const app = Fastify()
    await app.register(sillageFastify(sillage))
    app.post('/checkout', async (request) => {
      request.sillage.orderCompleted({
        userId,
        properties: {
          order_id: `chromium-order-${suffix}`,
          total: 12.5,
          currency: 'EUR',
          products: [{ product_id: 'mug-blue', price: 12.5, quantity: 1 }],
        },
      })
      await sillage.flush()
      return { ok: true }
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const address = app.server.address() as { port: number }
      const checkout = await fetch(`http://127.0.0.1:${address.port}/checkout`, {
        method: 'POST',
        headers: {
          cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
          'user-agent': userAgent,
        },
      })
      expect(checkout.status).toBe(200)
    } finally {
      await app.close()
    }

    type Row = {
      type: string
      event: string
      user_id: string
      person_id: string
      session_id: string
      consent: string
    }
    const rows = await waitFor(
      async () => {
        const r = await query<Row>(
          pipeline.url,
          `SELECT type, event, user_id, person_id, session_id, consent FROM sillage.events_resolved
           WHERE anonymous_id = '${anonymousId}' ORDER BY timestamp`,
        )
        const done =
          r.some((x) => x.type === 'page') &&
          ['Product Viewed', 'Product Added', 'Order Completed'].every((e) => r.some((x) => x.event === e))
        return done && new Set(r.map((x) => x.person_id)).size === 1 ? r : undefined
      },
      { timeoutMs: 30_000, what: 'the Chromium visit and the server order resolved to one person' },
    )
    const personId = rows[0]!.person_id
    expect(personId).not.toBe('')
    const order = rows.find((r) => r.event === 'Order Completed')!
    expect(order.user_id).toBe(userId)
    expect(rows.filter((r) => r.user_id === userId)).toEqual([order]) // the browsing was anonymous
    expect(rows.map((r) => r.person_id)).toEqual(rows.map(() => personId))
    // The order falls in the browser's session, with the consent given in the banner.
    expect(order.session_id).toBe(sessionId)
    expect(JSON.parse(order.consent)).toMatchObject({ categories: ['analytics'], policyVersion: 'demo-1' })
  })

  it('close() on SIGTERM in a child process (the CommonJS build) loses nothing', async () => {
    const script = join(dir.path, 'exit-child.cjs')
    writeFileSync(
      script,
      `const { Sillage } = require(${JSON.stringify(join(repoRoot, 'packages/sdk-node/cjs/index.js'))})
const sillage = new Sillage({ writeKey: ${JSON.stringify(WRITE_KEY)}, host: ${JSON.stringify(pipeline.url)}, flushIntervalMs: 60000 })
process.once('SIGTERM', () => {
  sillage.close().then(() => process.exit(0), (err) => { console.error(err.code); process.exit(1) })
})
// 5 full batches leave at once; the last 50 events wait for the 60 s timer, or for close().
for (let i = 0; i < 550; i++) sillage.track({ event: 'SDK Exit', anonymousId: 'exit-' + (i % 7), properties: { i } })
console.log('tracked')
`,
    )
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    await waitFor(() => stdout.includes('tracked'), { what: 'the child to track' })
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(stderr).toBe('')
    const row = await waitForCount<{ n: string; u: string }>(pipeline.url, countSql('SDK Exit'), 550)
    expect([Number(row.n), Number(row.u)]).toEqual([550, 550])
  })

  it('a profile read whose value is too long is refused (414 past 1 KB, 431 past 16 KB), not reported unavailable', async () => {
    const reader = client({ readKey: 'rk_sdk_e2e_0123456789abcdef' })
    const read = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: SillageError) => e,
      )
    for (const [length, status] of [
      [2_000, 414],
      [20_000, 431],
    ] as const) {
      expect(await read(reader.profile('user_id', 'u'.repeat(length)))).toMatchObject({
        code: 'SIL_SDK_REQUEST_REFUSED',
        message: expect.stringContaining(`the profile API answered ${status} to a profile read`),
      })
    }
    expect(await read(reader.recommendations('p'.repeat(20_000)))).toMatchObject({
      code: 'SIL_SDK_REQUEST_REFUSED',
      message: expect.stringContaining('the profile API answered 431 to a recommendations read'),
    })
  })

  it('the ESM and CommonJS builds export the same API', async () => {
    const esm = await run(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(join(repoRoot, 'packages/sdk-node/dist/index.js'))}); console.log(Object.keys(m).sort().join())`,
    ])
    const cjs = await run(process.execPath, [
      '-e',
      `console.log(Object.keys(require(${JSON.stringify(join(repoRoot, 'packages/sdk-node/cjs/index.js'))})).sort().join())`,
    ])
    expect(esm.stdout).toContain('Sillage,')
    expect(cjs.stdout).toBe(esm.stdout)
  })

  // Last: it kills and restarts the shared pipeline.
  it('the collector killed mid-run and restarted: flush() completes after retries, no loss, no duplicates', async () => {
    const errors: SillageError[] = []
    const sillage = client({
      maxBatchEvents: 50,
      flushIntervalMs: 20,
      retryBaseMs: 200,
      retryMaxMs: 2000,
      maxRetries: 1000,
      onError: (e) => errors.push(e),
    })
    const N = 3000
    for (let i = 0; i < N; i++) {
      sillage.track({ event: 'SDK Restart', anonymousId: `restart-${i % 20}`, properties: { i } })
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
      if (i === 1000) {
        await waitFor(() => sillage.stats().accepted >= 500, { what: '500 events accepted' })
        await pipeline.kill()
      }
    }
    expect(sillage.stats().accepted).toBeLessThan(N) // the kill landed mid-run
    const flushed = sillage.flush().then(
      () => 'delivered',
      (e: unknown) => e,
    )
    pipeline = await startPipeline({ dataDir: dir.path, port, browserSource: true, extraSources: SOURCES })
    expect(await flushed).toBe('delivered')
    expect(errors).toEqual([])
    expect(sillage.stats()).toMatchObject({ accepted: N, failed: 0 })
    expect(sillage.stats().retries).toBeGreaterThan(0)
    const row = await waitForCount<{ n: string; u: string }>(pipeline.url, countSql('SDK Restart'), N)
    expect([Number(row.n), Number(row.u)]).toEqual([N, N])
  })
})
