import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebhookSender } from './webhook-sender.js'

// A real receiver on 127.0.0.1 that answers every POST with a redirect to another path.
const hits: Array<{ method: string; url: string }> = []
const server = createServer((req, res) => {
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
afterAll(() => new Promise<void>((r) => server.close(() => r())))

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
})
