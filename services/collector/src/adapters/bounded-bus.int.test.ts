import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createKafkaBus, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry, type Registry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { FastifyInstance } from 'fastify'
import { createCollectorApp } from '../app.js'

/**
 * Backpressure against a Kafka that does not answer: the real Kafka adapter bootstraps through a
 * TCP server that accepts connections and never replies (a hung broker). Produces wait for their
 * deadline; the work waiting is bounded, and a request past the bound is refused at once.
 */
const WRITE_KEY = 'sk_server_456'
const sources = sourcesSchema.parse([{ id: 'backend', writeKey: WRITE_KEY, type: 'server' }])
const authorization = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
const batch = (tag: string, n: number) => ({
  batch: Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Product Viewed',
    anonymousId: `a${i}`,
    messageId: `${tag}-${i}`,
  })),
})

async function blackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return {
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

function metric(text: string, name: string): number {
  const line = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
  return Number(line?.[1] ?? NaN)
}

describe('collector backpressure (bounded in-flight produce work)', () => {
  // Closed in this order: the app, the black hole (so the bus's pending connection fails at
  // once instead of at its 10 s request timeout), then the bus.
  let toClose: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const close of toClose) await close()
    toClose = []
  })

  async function setup(): Promise<{ app: FastifyInstance; registry: Registry; bus: Bus }> {
    const hole = await blackHole()
    const bus = createKafkaBus({
      brokers: [`127.0.0.1:${hole.port}`],
      clientId: 'int-backpressure',
      produceTimeoutMs: 2_000,
    })
    const registry = createMetricsRegistry({ defaultMetrics: false })
    const app = createCollectorApp({
      config: { maxEventBytes: 4096, maxBatchBytes: 256 * 1024, maxInflightEvents: 100 },
      sources,
      bus,
      log: createLogger({ level: 'silent' }),
      registry,
    })
    toClose = [() => app.close(), () => hole.close(), () => bus.close()]
    return { app, registry, bus }
  }

  it('refuses a request past the bound at once with 503 SIL_OVERLOADED, and the waiting ones get 503 SIL_BUS_UNAVAILABLE, never 200', async () => {
    const { app, registry } = await setup()
    const post = (tag: string, n: number) =>
      app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization }, payload: batch(tag, n) })

    // Two requests of 50 fill the bound of 100 events while Kafka does not answer.
    let settled = 0
    const waiting = [post('w1', 50), post('w2', 50)].map((p) => p.finally(() => settled++))
    await expect
      .poll(async () => metric(await registry.metrics(), 'sillage_collector_inflight_events'), {
        timeout: 5_000,
      })
      .toBe(100)

    const refused = await post('over', 10)
    expect(settled).toBe(0) // refused while the first two still wait for Kafka
    expect(refused.statusCode).toBe(503)
    expect(refused.headers['retry-after']).toBe('2')
    expect(refused.json()).toMatchObject({ success: false, code: 'SIL_OVERLOADED' })

    const answers = await Promise.all(waiting)
    for (const answer of answers) {
      expect(answer.statusCode).toBe(503)
      expect(answer.json()).toMatchObject({ code: 'SIL_BUS_UNAVAILABLE' })
      expect(answer.headers['retry-after']).toMatch(/^\d+$/)
    }
    const text = await registry.metrics()
    expect(metric(text, 'sillage_collector_inflight_events')).toBe(0)
    expect(metric(text, 'sillage_collector_inflight_bytes')).toBe(0)
    expect(metric(text, 'sillage_collector_overloaded_events_total')).toBe(10)
    expect(metric(text, 'sillage_collector_events_accepted_total')).toBe(0)
  })

  it('admits work again once the waiting produces have settled', async () => {
    const { app, registry } = await setup()
    const post = (tag: string, n: number) =>
      app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization }, payload: batch(tag, n) })
    const first = post('a', 100)
    await expect
      .poll(async () => metric(await registry.metrics(), 'sillage_collector_inflight_events'), {
        timeout: 5_000,
      })
      .toBe(100)
    expect((await post('b', 1)).json()).toMatchObject({ code: 'SIL_OVERLOADED' })
    expect((await first).json()).toMatchObject({ code: 'SIL_BUS_UNAVAILABLE' })
    // Room again: this one is admitted (and waits for Kafka, like the first).
    const second = post('c', 100)
    await expect
      .poll(async () => metric(await registry.metrics(), 'sillage_collector_inflight_events'), {
        timeout: 5_000,
      })
      .toBe(100)
    expect((await second).json()).toMatchObject({ code: 'SIL_BUS_UNAVAILABLE' })
  })
})
