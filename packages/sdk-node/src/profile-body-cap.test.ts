/**
 * Profile reads against a huge, fast body (docs/sdk-node.md#profiles): the SDK stops reading at
 * MAX_RESPONSE_BYTES and answers the fallback, instead of buffering until the timeout.
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Sillage } from './client.js'
import { MAX_RESPONSE_BYTES } from './read-body.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/** A loopback server; `written` counts the bytes it managed to hand to the socket. */
async function serve(answer: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => answer(res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const client = (host: string) => {
  const c = new Sillage({ writeKey: 'wk_cap', host, readKey: 'rk_0123456789abcdef' })
  closers.push(() => c.close())
  return c
}

const PATIENT = { timeoutMs: 10_000 }
const reason = `response body over ${MAX_RESPONSE_BYTES} bytes`

describe('profile reads against a huge body', () => {
  it('answers unavailable to a valid profile padded past the cap, instead of reading it all', async () => {
    const pad = 'x'.repeat(MAX_RESPONSE_BYTES + 1)
    const body = JSON.stringify({ person_id: 'p1', pad })
    const host = await serve((res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body))
    expect(await client(host).profile('email', 'a@b.c', PATIENT)).toEqual({ status: 'unavailable', reason })
  })

  it('stops reading an endless fast body at the cap (no content-length), with the fallback', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    let written = 0
    const host = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"items":[')
      // At most 64 MiB, then the body hangs: only the cap (not the deadline) ends the read early.
      const pump = (): void => {
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
      }
      pump()
    })
    const c = client(host)
    expect(await c.recommendations('p1', { ...PATIENT, fallback: ['f1'] })).toEqual({
      items: [{ product_id: 'f1', reason: 'fallback', score: 0 }],
      fallback: true,
    })
    expect(await c.profile('email', 'a@b.c', { timeoutMs: 5_000 })).toEqual({ status: 'unavailable', reason })
  })

  it('answers unavailable at once when content-length announces more than the cap', async () => {
    const host = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) })
      res.write('{"person_id":"p1"')
    })
    expect(await client(host).profile('email', 'a@b.c', PATIENT)).toEqual({ status: 'unavailable', reason })
  })
})
