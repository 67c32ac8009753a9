import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebhookSender } from './webhook-sender.js'

// Hostile receivers on 127.0.0.1, and hosts that resolve to the cloud metadata address.
const seen = new Map<string, number>()
const server = createServer((req, res) => {
  const n = (seen.get(String(req.url)) ?? 0) + 1
  seen.set(String(req.url), n)
  req.resume()
  if (req.url === '/reset' && n === 1) return void req.socket.destroy() // no answer at all
  if (req.url === '/cut' && n === 1) {
    // Half a status line, then the socket closes.
    req.socket.write('HTTP/1.1 200 OK\r\nContent-Le')
    return void req.socket.end()
  }
  if (req.url === '/busy' && n === 1) return void res.writeHead(429, { 'retry-after': '0' }).end()
  res.writeHead(200).end()
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

const sender = (url: string, extra: Partial<Parameters<typeof createWebhookSender>[0]> = {}) =>
  createWebhookSender({
    url,
    secret: 's'.repeat(32),
    maxAttempts: 3,
    timeoutMs: 2000,
    baseBackoffMs: 1,
    ...extra,
  })

describe('webhook sender against hostile receivers', () => {
  it.each(['/reset', '/cut', '/busy'])('retries %s and delivers on the next attempt', async (path) => {
    expect(await sender(`${base}${path}`)('{}', 'k')).toMatchObject({ ok: true, attempts: 2 })
  })

  it('says why a connection failed, not only "fetch failed"', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const refused = await sender(`http://127.0.0.1:${port}/hook`, { maxAttempts: 1 })('{}', 'k')
    expect(refused).toMatchObject({
      ok: false,
      permanent: false,
      reason: expect.stringContaining('ECONNREFUSED'),
    })

    seen.delete('/reset')
    const reset = await sender(`${base}/reset`, { maxAttempts: 1 })('{}', 'k')
    expect(reset.ok === false && reset.reason).toMatch(/fetch failed: \S+/)
  })
})

describe('webhook sender and the metadata address', () => {
  it.each(['169.254.169.254', 'fe80::a9fe:a9fe', '::ffff:169.254.169.254'])(
    'never sends to a host that resolves to %s (permanent, nothing sent)',
    async (address) => {
      let fetched = 0
      const outcome = await sender('http://hooks.internal.example/x', {
        lookup: async () => ['10.0.0.7', address],
        fetch: async () => {
          fetched++
          return new Response(null, { status: 200 })
        },
      })('{}', 'k')
      expect(outcome).toMatchObject({
        ok: false,
        permanent: true,
        attempts: 0,
        reason: expect.stringMatching(/^SIL_DESTINATION_ADDRESS_REFUSED: /),
      })
      expect(fetched).toBe(0)
    },
  )

  it('refuses an IP literal without a look-up, and sends to a private one', async () => {
    const fetched: string[] = []
    const fake = async (input: string | URL | Request) => {
      fetched.push(String(input))
      return new Response(null, { status: 200 })
    }
    const lookup = async (): Promise<string[]> => {
      throw new Error('no look-up expected')
    }
    expect(
      await sender('http://169.254.169.254/latest/meta-data/', { fetch: fake, lookup })('{}', 'k'),
    ).toMatchObject({
      ok: false,
      permanent: true,
    })
    expect(await sender('http://10.1.2.3/hook', { fetch: fake, lookup })('{}', 'k')).toMatchObject({
      ok: true,
    })
    expect(fetched).toEqual(['http://10.1.2.3/hook'])
  })

  it('connects to the address it checked: a DNS answer that turns to 169.254.x is refused', async () => {
    // The check before the batch sees a public address; the connection's look-up sees the
    // metadata address. "localhost" stands in for it: a fetch resolving the name again on its own
    // would reach the loopback server.
    const answers = [['203.0.113.7'], ['169.254.169.254']]
    const lookups: string[] = []
    const lookup = async (host: string) => {
      lookups.push(host)
      return answers[Math.min(lookups.length - 1, answers.length - 1)]!
    }
    const port = new URL(base).port
    const outcome = await sender(`http://localhost:${port}/rebind`, { lookup })('{}', 'k')
    expect(outcome).toMatchObject({
      ok: false,
      permanent: true,
      attempts: 1,
      reason: expect.stringMatching(/^SIL_DESTINATION_ADDRESS_REFUSED: .*169\.254\.169\.254/),
    })
    expect(seen.get('/rebind')).toBeUndefined()
    expect(lookups).toEqual(['localhost', 'localhost'])
  })

  it("connects to the look-up's answer, not to a second resolution of the name", async () => {
    const answers = [['203.0.113.7'], ['127.0.0.1']]
    let n = 0
    const lookup = async () => answers[Math.min(n++, answers.length - 1)]!
    const port = new URL(base).port
    const outcome = await sender(`http://hooks.rebind.invalid:${port}/pinned`, { lookup })('{}', 'k')
    expect(outcome).toMatchObject({ ok: true, attempts: 1 })
    expect(seen.get('/pinned')).toBe(1)
  })
})
