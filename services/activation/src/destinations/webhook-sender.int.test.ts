import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebhookSender } from './webhook-sender.js'

// A real receiver on 127.0.0.1 that answers every POST with a redirect to another path.
const hits: Array<{ method: string; url: string }> = []
/** Bytes the endless receiver wrote before the sender hung up. */
let endlessBytes = 0
const server = createServer((req, res) => {
  if (req.url === '/hang') return void req.resume() // takes the request, never answers
  if (req.url === '/endless') {
    // 200, then a body that never ends (1 MiB chunks as fast as the socket takes them).
    req.resume()
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    const chunk = Buffer.alloc(1 << 20, 120)
    const pump = () => {
      while (!res.destroyed) {
        endlessBytes += chunk.length
        if (!res.write(chunk)) return
      }
    }
    res.on('drain', pump)
    pump()
    return
  }
  hits.push({ method: String(req.method), url: String(req.url) })
  req.resume()
  req.on('end', () => {
    if (req.url === '/hook') res.writeHead(Number(req.headers['x-answer'] ?? 302), { location: '/elsewhere' })
    else res.writeHead(200)
    res.end()
  })
})
let base = ''
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections()
      server.close(() => r())
    }),
)

describe('webhook sender', () => {
  it.each([302, 307])(
    'does not follow a %i: the batch is refused, not delivered elsewhere',
    async (status) => {
      hits.length = 0
      const send = createWebhookSender({
        url: `${base}/hook`,
        secret: 's'.repeat(32),
        maxAttempts: 3,
        timeoutMs: 2000,
        baseBackoffMs: 1,
        fetch: (input, init) =>
          fetch(input, { ...init, headers: { ...(init?.headers as object), 'x-answer': String(status) } }),
      })
      const outcome = await send('{"items":[]}', 'key-1')
      expect(outcome).toMatchObject({ ok: false, permanent: true, attempts: 1 })
      expect(outcome.ok === false && outcome.reason).toContain(`HTTP ${status}`)
      expect(hits).toEqual([{ method: 'POST', url: '/hook' }])
    },
  )

  it('delivers on a 200 whose body never ends without reading it (memory stays bounded)', async () => {
    const send = createWebhookSender({
      url: `${base}/endless`,
      secret: 's'.repeat(32),
      maxAttempts: 2,
      timeoutMs: 3000,
      baseBackoffMs: 1,
    })
    expect(await send('{"items":[]}', 'key-2')).toMatchObject({ ok: true, attempts: 1, status: 200 })
    // Reading the body until the timeout took hundreds of MiB; discarding it, a few socket buffers.
    expect(endlessBytes).toBeLessThan(64 << 20)
  })

  it('gives up on a receiver that never answers after its timeout, and at once on shutdown', async () => {
    const stop = new AbortController()
    const opts = { url: `${base}/hang`, secret: 's'.repeat(32), baseBackoffMs: 1, signal: stop.signal }
    const timedOut = await createWebhookSender({ ...opts, maxAttempts: 2, timeoutMs: 200 })('{}', 'key-3')
    expect(timedOut).toMatchObject({
      ok: false,
      attempts: 2,
      permanent: false,
      reason: expect.stringMatching(/time/),
    })

    const pending = createWebhookSender({ ...opts, maxAttempts: 5, timeoutMs: 120_000 })('{}', 'key-4')
    stop.abort()
    expect(await pending).toMatchObject({ ok: false, attempts: 1, reason: 'shutting down' })
  })
})
