/**
 * Profile reads against hostile answers (docs/sdk-node.md#profiles): a real loopback server per
 * test that answers garbage or never finishes, and a transport that ignores its timeout. Each read
 * resolves to the documented fallback within profileTimeoutMs, never throwing.
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Sillage } from './client.js'
import type { Transport } from './transport.js'

const READ_KEY = 'rk_0123456789abcdef'
/** The reads that must give up; the others get a long timeout, so that only the answer decides. */
const TIMEOUT_MS = 200
const PATIENT = { timeoutMs: 10_000 }
const closers: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/** A loopback server answering every request with `answer`, closed after the test. */
async function serve(answer: (res: ServerResponse) => void): Promise<string> {
  const timers = new Set<ReturnType<typeof setInterval>>()
  const server = createServer((_req, res) => answer(Object.assign(res, { timers })))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(async () => {
    for (const t of timers) clearInterval(t)
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const client = (host: string, transport?: Transport) => {
  const c = new Sillage({
    writeKey: 'wk_hostile',
    host,
    readKey: READ_KEY,
    profileTimeoutMs: TIMEOUT_MS,
    ...(transport ? { transport } : {}),
  })
  closers.push(() => c.close())
  return c
}

const FALLBACK = { items: [{ product_id: 'f1', reason: 'fallback', score: 0 }], fallback: true }

describe('profile reads against hostile answers', () => {
  it('answers the fallback to recommendations that are not recommendations (null, numbers)', async () => {
    const bodies = ['{"items":[null]}', '{"items":[1,"x"]}', '{"items":[{"product_id":5}]}']
    for (const body of bodies) {
      const host = await serve((res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body))
      const recs = await client(host).recommendations('p1', { ...PATIENT, fallback: ['f1'] })
      expect(recs, body).toEqual(FALLBACK)
    }
  })

  it('answers unavailable to a 200 whose JSON is no profile (no person_id)', async () => {
    for (const body of ['{}', '{"error":"maintenance"}', '{"person_id":1}']) {
      const host = await serve((res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body))
      expect(await client(host).profile('email', 'a@b.c', PATIENT), body).toEqual({
        status: 'unavailable',
        reason: 'HTTP 200 without a JSON profile',
        httpStatus: 200,
      })
    }
  })

  it('gives up at profileTimeoutMs on a transport that ignores its timeout', async () => {
    let aborted = 0
    const never: Transport = {
      send: (req) =>
        new Promise(() => {
          req.signal?.addEventListener('abort', () => aborted++)
        }),
    }
    const c = client('http://127.0.0.1:9', never)
    expect(await c.profile('email', 'a@b.c')).toEqual({
      status: 'unavailable',
      reason: `TimeoutError: no answer within ${TIMEOUT_MS} ms`,
    })
    expect(await c.recommendations('p1', { fallback: ['f1'] })).toEqual(FALLBACK)
    expect(aborted).toBe(2) // the transport is told to give up too
  })

  it('gives up at profileTimeoutMs on a body sent a byte at a time that never ends', async () => {
    const host = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"items":[')
      const timers = (res as ServerResponse & { timers: Set<ReturnType<typeof setInterval>> }).timers
      timers.add(setInterval(() => res.write(' '), 10))
    })
    const c = client(host)
    expect(await c.recommendations('p1', { fallback: ['f1'] })).toEqual(FALLBACK)
    expect(await c.profile('email', 'a@b.c')).toMatchObject({ status: 'unavailable' })
  })
})
