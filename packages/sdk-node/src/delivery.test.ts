import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { Sillage } from './client.js'
import type { SillageError } from './errors.js'
import type { SillageOptions } from './options.js'
import { FakeClock, FakeTransport, settle } from './test-support/fakes.js'

/**
 * Batching, retries, overflow and the flush()/close() contract, driven through the public client
 * with a fake transport and a fake clock: pure logic, no sockets, no waiting.
 */
function setup(opts: Partial<SillageOptions> = {}) {
  const clock = new FakeClock()
  const transport = new FakeTransport()
  const errors: SillageError[] = []
  const sillage = new Sillage({
    writeKey: 'wk_unit',
    host: 'http://collector.test',
    gzip: false,
    clock,
    transport,
    onError: (e) => errors.push(e),
    ...opts,
  })
  const track = (n: number, prefix = 'e') =>
    Array.from({ length: n }, (_, i) =>
      sillage.track({ event: 'Product Viewed', anonymousId: `${prefix}-${i}`, properties: { i } }),
    )
  return { sillage, clock, transport, errors, track }
}

/** The settled state of a promise, without waiting for it. */
function observe<T>(p: Promise<T>) {
  const state: { status: 'pending' | 'resolved' | 'rejected'; value?: T; error?: SillageError } = {
    status: 'pending',
  }
  p.then(
    (value) => Object.assign(state, { status: 'resolved', value }),
    (error: SillageError) => Object.assign(state, { status: 'rejected', error }),
  )
  return state
}

describe('batching', () => {
  it('sends a batch as soon as it holds maxBatchEvents, the rest after flushIntervalMs', async () => {
    const { clock, transport, track } = setup({ maxBatchEvents: 10, flushIntervalMs: 1000 })
    track(25)
    await settle()
    expect(transport.sizes()).toEqual([10, 10])
    await clock.advance(999)
    expect(transport.sizes()).toEqual([10, 10])
    await clock.advance(1)
    expect(transport.sizes()).toEqual([10, 10, 5])
  })

  it('keeps each request body under maxBatchBytes', async () => {
    const { sillage, transport } = setup({ maxBatchBytes: 2048, maxEventBytes: 1024 })
    for (let i = 0; i < 30; i++)
      sillage.track({ event: 'Padded', userId: `u${i}`, properties: { pad: 'x'.repeat(200) } })
    await sillage.flush()
    const lengths = transport.sent.map((s) => Buffer.byteLength(s.request.body as string))
    expect(transport.sizes().reduce((a, b) => a + b, 0)).toBe(30)
    expect(transport.sent.length).toBeGreaterThan(3)
    expect(Math.max(...lengths)).toBeLessThanOrEqual(2048)
  })

  it('sends nothing before the interval when the batch is not full', async () => {
    const { clock, transport, track } = setup({ flushIntervalMs: 5000 })
    track(3)
    await clock.advance(4999)
    expect(transport.sent).toHaveLength(0)
    await clock.advance(1)
    expect(transport.sizes()).toEqual([3])
  })

  it('serverless mode sends every tick’s calls at once, with no timer left behind', async () => {
    const { clock, transport, track } = setup({ serverless: true })
    track(2)
    await settle()
    expect(transport.sizes()).toEqual([2])
    track(1)
    await settle()
    expect(transport.sizes()).toEqual([2, 1])
    expect(clock.pending()).toEqual([])
  })

  it('gzips bodies by default, with Content-Encoding and the auth and retry headers', async () => {
    const { sillage, transport } = setup({ gzip: undefined })
    sillage.track({ event: 'Zipped', userId: 'u1' })
    await sillage.flush()
    const { request } = transport.sent[0]!
    expect(request.headers).toMatchObject({
      'content-encoding': 'gzip',
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from('wk_unit:').toString('base64')}`,
      'x-retry-count': '0',
    })
    const body = JSON.parse(gunzipSync(request.body as Uint8Array).toString()) as { batch: unknown[] }
    expect(body.batch).toMatchObject([{ type: 'track', event: 'Zipped', userId: 'u1' }])
  })
})

describe('retries', () => {
  it('retries 503 and network errors with the same messageIds and a growing X-Retry-Count', async () => {
    const { sillage, clock, transport, track } = setup()
    transport.reply({ status: 503 }, new TypeError('fetch failed'), { status: 200 })
    const ids = track(3)
    const flushed = observe(sillage.flush())
    await settle()
    expect(transport.sent).toHaveLength(1)
    await clock.runNext()
    await clock.runNext()
    expect(transport.sent.map((s) => s.ids)).toEqual([ids, ids, ids])
    expect(transport.sent.map((s) => s.request.headers['x-retry-count'])).toEqual(['0', '1', '2'])
    expect(flushed.status).toBe('resolved')
  })

  it('sets sentAt at each attempt, so the collector corrects clock skew on retries too', async () => {
    const { sillage, clock, transport, track } = setup()
    transport.reply({ status: 500 })
    track(1)
    void sillage.flush()
    await settle()
    await clock.runNext()
    const [first, second] = transport.sent.map((s) => Date.parse(s.body.sentAt))
    expect(second! - first!).toBe(clock.time - first!)
    expect(second! > first!).toBe(true)
  })

  it('waits at least Retry-After after a 429', async () => {
    const { sillage, clock, transport, track } = setup({ retryBaseMs: 100 })
    transport.reply({ status: 429, headers: { 'Retry-After': '7' } })
    track(1)
    void sillage.flush()
    await settle()
    const [delay] = clock.pending()
    expect(delay).toBeGreaterThanOrEqual(7000)
    expect(delay).toBeLessThanOrEqual(7700)
    await clock.advance(6999)
    expect(transport.sent).toHaveLength(1)
    await clock.runNext()
    expect(transport.sent).toHaveLength(2)
  })

  it('backs off exponentially between retries', async () => {
    const { sillage, clock, transport, track } = setup({ retryBaseMs: 1000, retryMaxMs: 60_000 })
    clock.randomValue = 0
    transport.reply({ status: 503 }, { status: 503 }, { status: 503 })
    track(1)
    void sillage.flush()
    await settle()
    const delays: number[] = []
    for (let i = 0; i < 3; i++) {
      delays.push(clock.pending()[0]!)
      await clock.runNext()
    }
    expect(delays).toEqual([500, 1000, 2000])
  })

  it('does not retry a 400, and reports it', async () => {
    const { sillage, transport, errors, track } = setup()
    transport.reply({ status: 400, body: { success: false, code: 'SIL_BODY_INVALID', message: 'bad body' } })
    const ids = track(2)
    const err = await sillage.flush().catch((e: SillageError) => e)
    expect(transport.sent).toHaveLength(1)
    expect(err).toMatchObject({ code: 'SIL_SDK_FLUSH_FAILED' })
    expect((err as SillageError).failed.map((f) => [f.messageId, f.code, f.status, f.collectorCode])).toEqual(
      ids.map((id) => [id, 'SIL_SDK_REQUEST_REFUSED', 400, 'SIL_BODY_INVALID']),
    )
    expect(errors.map((e) => e.code)).toEqual(['SIL_SDK_REQUEST_REFUSED'])
  })

  it.each([401, 403, 404])('does not retry a %i', async (status) => {
    const { sillage, transport, track } = setup()
    transport.reply({ status })
    track(1)
    await expect(sillage.flush()).rejects.toMatchObject({ code: 'SIL_SDK_FLUSH_FAILED' })
    expect(transport.sent).toHaveLength(1)
  })

  it('retries a 408', async () => {
    const { sillage, clock, transport, track } = setup()
    transport.reply({ status: 408 })
    track(1)
    const flushed = observe(sillage.flush())
    await settle()
    await clock.runNext()
    expect(transport.sent).toHaveLength(2)
    expect(flushed.status).toBe('resolved')
  })

  it('fails the batch, loudly, when retries are exhausted', async () => {
    const { sillage, clock, transport, errors, track } = setup({ maxRetries: 2 })
    transport.reply({ status: 503 }, { status: 503 }, { status: 503 })
    const ids = track(2)
    const flushed = observe(sillage.flush())
    await settle()
    await clock.runNext()
    await clock.runNext()
    expect(transport.sent).toHaveLength(3)
    expect(clock.pending()).toEqual([])
    expect(flushed.status).toBe('rejected')
    expect(flushed.error?.failed.map((f) => [f.messageId, f.code])).toEqual(
      ids.map((id) => [id, 'SIL_SDK_RETRIES_EXHAUSTED']),
    )
    expect(errors.map((e) => e.code)).toEqual(['SIL_SDK_RETRIES_EXHAUSTED'])
  })

  it('fails only the events the collector rejected in a 200', async () => {
    const { sillage, transport, track } = setup()
    transport.reply({
      status: 200,
      body: {
        success: true,
        accepted: 2,
        rejected: [{ index: 1, code: 'SIL_EVENT_SCHEMA', message: 'bad' }],
      },
    })
    const ids = track(3)
    const err = (await sillage.flush().catch((e: unknown) => e)) as SillageError
    expect(err.failed.map((f) => [f.messageId, f.code, f.collectorCode])).toEqual([
      [ids[1], 'SIL_SDK_EVENT_REJECTED', 'SIL_EVENT_SCHEMA'],
    ])
    expect(sillage.stats()).toMatchObject({ accepted: 2, failed: 1, undelivered: 0 })
  })

  it('splits a batch the collector finds too large (413)', async () => {
    const { sillage, transport, track } = setup()
    transport.reply({ status: 413 })
    const ids = track(4)
    await sillage.flush()
    expect(transport.sent.map((s) => s.ids)).toEqual([ids, ids.slice(0, 2), ids.slice(2)])
  })

  it('falls back to plain bodies when the collector answers 415 to gzip', async () => {
    const { sillage, transport, track } = setup({ gzip: true })
    transport.reply({ status: 415 })
    track(1)
    await sillage.flush()
    track(1)
    await sillage.flush()
    expect(transport.sent.map((s) => s.request.headers['content-encoding'])).toEqual([
      'gzip',
      undefined,
      undefined,
    ])
  })
})

describe('bounded queue', () => {
  it('drop-newest: refuses new events when full, counts them and reports them once', async () => {
    const { sillage, transport, errors, track } = setup({ maxQueueEvents: 5, maxBatchEvents: 2 })
    transport.reply('hang')
    const ids = track(8)
    await settle()
    expect(errors.map((e) => [e.code, e.failed.length])).toEqual([['SIL_SDK_QUEUE_FULL', 3]])
    expect(errors[0]!.failed.map((f) => f.messageId)).toEqual(ids.slice(5))
    expect(sillage.stats()).toMatchObject({ dropped: 3, undelivered: 5 })
    transport.release()
    const err = (await sillage.flush().catch((e: unknown) => e)) as SillageError
    expect(err.failed.map((f) => f.messageId)).toEqual(ids.slice(5))
    const delivered = transport.sent.flatMap((s) => s.ids)
    expect(delivered).toEqual(ids.slice(0, 5))
  })

  it('drop-oldest: evicts the oldest event not yet in flight', async () => {
    const { sillage, transport, errors, track } = setup({
      maxQueueEvents: 4,
      maxBatchEvents: 2,
      overflow: 'drop-oldest',
    })
    transport.reply('hang')
    const ids = track(6)
    await settle()
    // ids 0-1 are in flight; 2 and 3 made room for 4 and 5.
    expect(errors[0]!.failed.map((f) => f.messageId)).toEqual([ids[2], ids[3]])
    transport.release()
    await sillage.flush().catch(() => undefined)
    expect(transport.sent.flatMap((s) => s.ids)).toEqual([ids[0], ids[1], ids[4], ids[5]])
  })
})

describe('flush() and close()', () => {
  it('flush resolves only once the collector accepted everything queued before it', async () => {
    const { sillage, transport, track } = setup()
    transport.reply('hang')
    track(3)
    const flushed = observe(sillage.flush())
    await settle()
    expect(flushed.status).toBe('pending')
    transport.release(200)
    await settle()
    expect(flushed.status).toBe('resolved')
  })

  it('a later flush reports failures that happened between flushes', async () => {
    const { sillage, transport, clock, track } = setup({ flushIntervalMs: 100 })
    transport.reply({ status: 400 })
    const [id] = track(1)
    await clock.advance(100) // sent by the timer and refused, with no flush waiting
    await expect(sillage.flush()).rejects.toMatchObject({ failed: [{ messageId: id }] })
    await expect(sillage.flush()).resolves.toBeUndefined()
  })

  it('flush({ timeoutMs }) rejects with the events still pending, which stay queued', async () => {
    const { sillage, clock, transport, track } = setup()
    transport.reply('hang')
    const ids = track(2)
    const flushed = observe(sillage.flush({ timeoutMs: 1000 }))
    await clock.advance(1000)
    expect(flushed.error).toMatchObject({ code: 'SIL_SDK_FLUSH_TIMEOUT' })
    expect(flushed.error?.pending.map((e) => e.messageId)).toEqual(ids)
    transport.release()
    await expect(sillage.flush()).resolves.toBeUndefined()
  })

  it('close flushes, refuses later calls (reported), and is idempotent', async () => {
    const { sillage, transport, errors, track } = setup()
    track(2)
    const closing = sillage.close()
    expect(sillage.close()).toBe(closing)
    await closing
    expect(transport.sizes()).toEqual([2])
    const late = sillage.track({ event: 'Late', userId: 'u' })
    expect(errors.map((e) => e.code)).toEqual(['SIL_SDK_CLOSED'])
    expect(errors[0]!.failed[0]!.messageId).toBe(late)
  })

  it('close({ timeoutMs }) abandons what is undelivered and says which events', async () => {
    const { sillage, clock, transport, track } = setup()
    transport.reply({ status: 503 }, { status: 503 }, { status: 503 })
    const ids = track(2)
    const closed = observe(sillage.close({ timeoutMs: 2000 }))
    await clock.advance(2000)
    expect(closed.error?.code).toBe('SIL_SDK_CLOSE_TIMEOUT')
    expect(closed.error?.failed.map((f) => f.messageId)).toEqual(ids)
    expect(clock.pending()).toEqual([])
  })
})

describe('calls', () => {
  it('throws at the call when an event has no id or no name', () => {
    const { sillage } = setup()
    expect(() => sillage.track({ event: 'No id' } as never)).toThrow(/userId or an anonymousId/)
    expect(() => sillage.track({ event: '', userId: 'u' })).toThrow(/event name/)
    expect(() => sillage.alias({ previousId: 'a' } as never)).toThrow(/previousId and userId/)
  })

  it('refuses an event over maxEventBytes without queuing it, and reports it', async () => {
    const { sillage, transport, errors } = setup({ maxEventBytes: 1000 })
    const id = sillage.track({ event: 'Big', userId: 'u', properties: { blob: 'x'.repeat(2000) } })
    expect(errors.map((e) => e.code)).toEqual(['SIL_SDK_EVENT_TOO_LARGE'])
    await expect(sillage.flush()).rejects.toMatchObject({ failed: [{ messageId: id }] })
    expect(transport.sent).toHaveLength(0)
  })

  it('builds Segment envelopes: type, ULID messageId, ISO timestamp, library', async () => {
    const { sillage, transport, clock } = setup()
    sillage.identify({ userId: 'u1', traits: { email: 'a@b.c' } })
    sillage.page({ anonymousId: 'a1', name: 'Home', timestamp: new Date(Date.UTC(2026, 0, 2)) })
    sillage.group({ userId: 'u1', groupId: 'g1' })
    sillage.alias({ previousId: 'a1', userId: 'u1' })
    sillage.screen({ userId: 'u1', name: 'Cart' })
    await sillage.flush()
    const batch = transport.sent[0]!.body.batch
    expect(batch.map((e) => e.type)).toEqual(['identify', 'page', 'group', 'alias', 'screen'])
    expect(batch[0]).toMatchObject({
      traits: { email: 'a@b.c' },
      timestamp: new Date(clock.time).toISOString(),
      context: { library: { name: '@sillage/sdk-node' } },
    })
    expect(batch[1]!.timestamp).toBe('2026-01-02T00:00:00.000Z')
    for (const e of batch) expect(e.messageId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
  })

  it('e-commerce helpers send typed Order Completed and Order Refunded events', async () => {
    const { sillage, transport } = setup()
    sillage.orderCompleted({
      userId: 'u1',
      properties: {
        order_id: 'o-1',
        total: 30,
        revenue: 25,
        currency: 'EUR',
        products: [{ product_id: 'mug', price: 12.5, quantity: 2 }],
      },
    })
    sillage.orderRefunded({ userId: 'u1', properties: { order_id: 'o-1', total: 12.5, currency: 'EUR' } })
    await sillage.flush()
    expect(transport.sent[0]!.body.batch).toMatchObject([
      {
        event: 'Order Completed',
        properties: { order_id: 'o-1', products: [{ product_id: 'mug', quantity: 2 }] },
      },
      { event: 'Order Refunded', properties: { order_id: 'o-1', total: 12.5 } },
    ])
    expect(() =>
      sillage.orderCompleted({
        userId: 'u1',
        properties: { order_id: 'o-2', total: 1, currency: 'EUR' },
      } as never),
    ).toThrow(/line items/)
  })
})
