import { describe, expect, it } from 'vitest'
import { Sillage } from './client.js'
import type { SillageError } from './errors.js'
import type { SillageOptions } from './options.js'
import { FakeClock, FakeTransport, settle } from './test-support/fakes.js'

/**
 * A collector down for long (docs/sdk-node.md#delivery-guarantees): the retry budget is the
 * outage's, not each batch's, and close() gives up at its default timeout. Fake clock: no waiting.
 */
function setup(opts: Partial<SillageOptions> = {}) {
  const clock = new FakeClock()
  const transport = new FakeTransport()
  const errors: SillageError[] = []
  const sillage = new Sillage({
    writeKey: 'wk_outage',
    host: 'http://collector.test',
    gzip: false,
    clock,
    transport,
    onError: (e) => errors.push(e),
    ...opts,
  })
  const track = (n: number) =>
    Array.from({ length: n }, (_, i) => sillage.track({ event: 'Product Viewed', anonymousId: `a-${i}` }))
  return { sillage, clock, transport, errors, track }
}

function observe<T>(p: Promise<T>) {
  const state: { status: 'pending' | 'resolved' | 'rejected'; error?: SillageError } = { status: 'pending' }
  p.then(
    () => (state.status = 'resolved'),
    (error: SillageError) => Object.assign(state, { status: 'rejected', error }),
  )
  return state
}

describe('a long outage', () => {
  it('spends maxRetryDurationMs once for all queued batches, then each gets one attempt', async () => {
    const budget = { maxBatchEvents: 1, maxRetries: 1000, maxRetryDurationMs: 10_000 }
    const { sillage, clock, transport, errors, track } = setup({
      ...budget,
      retryBaseMs: 1000,
      retryMaxMs: 1000,
    })
    let down = true
    const send = transport.send.bind(transport)
    transport.send = (request) => {
      if (down) transport.reply({ status: 503 })
      return send(request)
    }
    const ids = track(5)
    const flushed = observe(sillage.flush())
    await settle()
    // One budget, plus a back-off step: per-batch budgets would need 5 × 10 s.
    await clock.advance(11_000)
    expect(flushed.status).toBe('rejected')
    expect(flushed.error?.failed.map((f) => [f.messageId, f.code])).toEqual(
      ids.map((id) => [id, 'SIL_SDK_RETRIES_EXHAUSTED']),
    )
    expect(transport.sent.length).toBeLessThan(20)
    expect(errors).toHaveLength(5) // each batch reported, none silently
    expect(sillage.stats()).toMatchObject({ undelivered: 0, failed: 5 })

    // The collector answers again: the outage is over, and the next batch has a full budget.
    down = false
    transport.reply({ status: 200 }, { status: 503 }, { status: 503 }, { status: 200 })
    track(1)
    await sillage.flush()
    const [id] = track(1)
    const second = observe(sillage.flush())
    await settle()
    await clock.advance(5_000)
    expect(second.status).toBe('resolved')
    expect(transport.sent.at(-1)?.ids).toEqual([id])
  })
})

describe('close() with a collector that hangs', () => {
  it('gives up at closeTimeoutMs by default, naming the abandoned events', async () => {
    const { sillage, clock, transport, track } = setup({ closeTimeoutMs: 5_000 })
    transport.reply('hang')
    const ids = track(2)
    const closed = observe(sillage.close())
    await settle()
    await clock.advance(5_000)
    expect(closed.status).toBe('rejected')
    expect(closed.error?.code).toBe('SIL_SDK_CLOSE_TIMEOUT')
    expect(closed.error?.failed.map((f) => f.messageId)).toEqual(ids)
    expect(transport.sent[0]?.request.signal?.aborted).toBe(true)
  })

  it('defaults closeTimeoutMs to 20 s; close({ timeoutMs }) overrides it', () => {
    expect(setup().sillage.options.closeTimeoutMs).toBe(20_000)
  })
})

describe('a transport that ignores its timeout', () => {
  it('gives up at requestTimeoutMs on its own (and aborts the request), so flush() settles', async () => {
    const { sillage, clock, transport, errors, track } = setup({ requestTimeoutMs: 1_000, maxRetries: 1 })
    transport.reply('hang', 'hang')
    const ids = track(2)
    const flushed = observe(sillage.flush())
    await settle()
    await clock.advance(10_000)
    expect(flushed.status).toBe('rejected')
    expect(flushed.error?.failed.map((f) => [f.messageId, f.code])).toEqual(
      ids.map((id) => [id, 'SIL_SDK_RETRIES_EXHAUSTED']),
    )
    expect(flushed.error?.message).toContain('no answer within 1000 ms')
    expect(transport.sent.map((s) => s.request.signal?.aborted)).toEqual([true, true])
    expect(errors).toHaveLength(1)
  })
})
