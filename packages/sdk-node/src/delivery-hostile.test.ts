/**
 * The tracking API against a hostile collector (docs/sdk-node.md#delivery-guarantees): a real
 * loopback server per test, answering by script. No timing assertions: what is sent, settled and
 * reported.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { Sillage } from './client.js'
import type { SillageError } from './errors.js'
import type { SillageOptions } from './options.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/** A loopback collector: `answer(n, res)` for the n-th request (0-based); records the messageIds. */
async function collector(answer: (n: number, res: ServerResponse, req: IncomingMessage) => void) {
  const batches: string[][] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const json = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw
      const body = JSON.parse(json.toString('utf8')) as { batch: Array<{ messageId: string }> }
      batches.push(body.batch.map((e) => e.messageId))
      answer(batches.length - 1, res, req)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, batches }
}

function client(host: string, opts: Partial<SillageOptions> = {}) {
  const errors: SillageError[] = []
  const sillage = new Sillage({
    writeKey: 'wk_hostile',
    host,
    retryBaseMs: 5,
    retryMaxMs: 20,
    onError: (e) => errors.push(e),
    ...opts,
  })
  closers.push(() => sillage.close({ timeoutMs: 1_000 }).catch(() => undefined))
  const track = (n: number) =>
    Array.from({ length: n }, (_, i) => sillage.track({ event: 'Viewed', anonymousId: `a-${i}` }))
  return { sillage, errors, track }
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))

describe('tracking against a hostile collector', () => {
  it('retries a reset connection and a hung request with the same messageIds, then delivers once', async () => {
    const { host, batches } = await collector((n, res, req) => {
      if (n === 0) return void req.socket.destroy() // connection reset
      if (n === 1) return // hang: the SDK's requestTimeoutMs ends it
      json(res, 200, { success: true, accepted: 3, rejected: [] })
    })
    const { sillage, errors, track } = client(host, { requestTimeoutMs: 300 })
    const ids = track(3)
    await sillage.flush()
    expect(batches).toEqual([ids, ids, ids])
    expect(errors).toEqual([])
    expect(sillage.stats()).toMatchObject({ accepted: 3, failed: 0, undelivered: 0 })
  })

  it('stops reading a huge answer body at 1 MiB (an endless 503 body is cut, then retried)', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    let written = 0
    const { host, batches } = await collector((_n, res) => {
      res.writeHead(503, { 'content-type': 'application/json' })
      const pump = (): void => {
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
      }
      pump()
    })
    const { sillage, track } = client(host, { maxRetries: 1, requestTimeoutMs: 5_000 })
    track(1)
    const err = (await sillage.flush().catch((e: unknown) => e)) as SillageError
    expect(err.failed.map((f) => [f.code, f.status])).toEqual([['SIL_SDK_RETRIES_EXHAUSTED', 503]])
    expect(batches).toHaveLength(2)
    expect(written).toBeLessThan(32 * 1024 * 1024) // the SDK cancelled the body, socket buffers aside
  })

  it('a 4xx partial answer (success, accepted n, rejected): fails the rejected, accepts the rest, re-sends none', async () => {
    const rejected = [{ index: 1, code: 'SIL_EVENT_SCHEMA', message: 'bad' }]
    const { host, batches } = await collector((_n, res) =>
      json(res, 400, { success: true, accepted: 2, rejected }),
    )
    const { sillage, errors, track } = client(host)
    const ids = track(3)
    const err = (await sillage.flush().catch((e: unknown) => e)) as SillageError
    expect(err.failed.map((f) => [f.messageId, f.code, f.collectorCode, f.status])).toEqual([
      [ids[1], 'SIL_SDK_EVENT_REJECTED', 'SIL_EVENT_SCHEMA', 400],
    ])
    expect(errors.map((e) => e.code)).toEqual(['SIL_SDK_EVENT_REJECTED'])
    expect(sillage.stats()).toMatchObject({ accepted: 2, failed: 1, undelivered: 0 })
    expect(batches).toEqual([ids])
  })

  it('a 4xx whose counts do not add up confirms nothing: every event fails, none is re-sent', async () => {
    const rejected = [{ index: 1, code: 'SIL_EVENT_SCHEMA', message: 'bad' }]
    const { host, batches } = await collector((_n, res) =>
      json(res, 400, { success: true, accepted: 5, rejected }),
    )
    const { sillage, track } = client(host)
    const ids = track(3)
    const err = (await sillage.flush().catch((e: unknown) => e)) as SillageError
    expect(err.failed.map((f) => [f.messageId, f.code])).toEqual([
      [ids[0], 'SIL_SDK_REQUEST_REFUSED'],
      [ids[1], 'SIL_SDK_EVENT_REJECTED'],
      [ids[2], 'SIL_SDK_REQUEST_REFUSED'],
    ])
    expect(batches).toEqual([ids])
  })

  it('honours Retry-After as an HTTP date, then delivers with the same messageIds', async () => {
    const { host, batches } = await collector((n, res) => {
      if (n > 0) return json(res, 200, { success: true, accepted: 2, rejected: [] })
      const at = new Date(Date.now() + 1_000).toUTCString()
      res.writeHead(503, { 'retry-after': at }).end('{"code":"SIL_BUS_UNAVAILABLE"}')
    })
    const { sillage, errors, track } = client(host)
    const ids = track(2)
    await sillage.flush()
    expect(batches).toEqual([ids, ids])
    expect(errors).toEqual([])
  })

  it('a huge Retry-After (capped, then waited): close() gives up at closeTimeoutMs, naming the events', async () => {
    const { host, batches } = await collector((_n, res) =>
      res.writeHead(429, { 'retry-after': '99999999999' }).end(),
    )
    const { sillage, errors, track } = client(host, { closeTimeoutMs: 300 })
    const ids = track(2)
    const err = (await sillage.close().catch((e: unknown) => e)) as SillageError
    expect(err.code).toBe('SIL_SDK_CLOSE_TIMEOUT')
    expect(err.failed.map((f) => f.messageId)).toEqual(ids)
    expect(errors.map((e) => e.code)).toEqual(['SIL_SDK_CLOSE_TIMEOUT'])
    expect(batches).toEqual([ids]) // no early retry
  })
})
