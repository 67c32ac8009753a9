import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { FastifyInstance } from 'fastify'
import { createCollectorApp } from './app.js'

// A body refused after it was read whole keeps the connection: the requests a client pipelined
// behind it on the same socket are answered (they are stored either way), over a real local log.
const sources = sourcesSchema.parse([{ id: 'backend', writeKey: 'sk_server_456', type: 'server' }])
const authorization = `Basic ${Buffer.from('sk_server_456:').toString('base64')}`

let dir: string
let bus: Bus
let app: FastifyInstance
let port: number

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-keepalive-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(2))
  app = createCollectorApp({
    config: { maxEventBytes: 4096, maxBatchBytes: 64 * 1024 },
    sources,
    bus,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as { port: number }).port
})
afterEach(async () => {
  await app.close()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

const request = (body: Buffer | string, extra = '') => {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  return Buffer.concat([
    Buffer.from(
      `POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${bytes.length}\r\n${extra}\r\n`,
    ),
    bytes,
  ])
}
const good = (n: number) => request(JSON.stringify({ event: `Pipelined ${n}`, anonymousId: 'a1' }))

/** Writes the requests at once on one socket; resolves with the status lines answered in 3 s. */
function pipeline(requests: Buffer[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.concat(requests)))
    let out = ''
    const done = () => {
      socket.destroy()
      resolve(out.match(/HTTP\/1\.1 \d{3}/g) ?? [])
    }
    const timer = setTimeout(done, 3_000)
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => {
      out += d
      if ((out.match(/HTTP\/1\.1 \d{3}/g) ?? []).length === requests.length) {
        clearTimeout(timer)
        setTimeout(done, 50) // a last chunk of the last body
      }
    })
    socket.on('error', reject)
    socket.on('close', () => {
      clearTimeout(timer)
      done()
    })
  })
}

describe('pipelined requests behind a refused body', () => {
  it.each([
    ['not JSON', request('{"event":')],
    ['a JSON array cut short', request('[1,2')],
    ['gzip bytes that are not a gzip stream', request(Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4]))],
    ['gzip inflating past the batch limit', request(gzipSync(Buffer.alloc(200 * 1024, 0x20)))],
  ])('%s: every request on the socket is answered', async (_name, refused) => {
    const statuses = await pipeline([refused, good(1), good(2)])
    expect(statuses).toHaveLength(3)
    expect(statuses[0]).toMatch(/ 4\d\d$/)
    expect(statuses.slice(1)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200'])
  })

  it('the refusal still names its code', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { authorization, 'content-type': 'application/json' },
      payload: '{"event":',
    })
    expect(res.statusCode).toBe(400)
    expect(res.headers.connection).not.toBe('close')
    expect(res.json()).toMatchObject({ code: 'SIL_BODY_INVALID_JSON' })
  })
})
