import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createDelivery, MAX_BATCH_BYTES, type QueuedEvent, type Saved, type Transport } from './delivery.js'

// The queue logic with a fake transport and fake timers: what is sent, when, and what is kept.

interface Sent {
  body: { writeKey: string; sentAt: string; batch: QueuedEvent[] }
  keepalive: boolean
  bytes: number
}

function fakeTransport() {
  const sent: Sent[] = []
  const beacons: Sent['body'][] = []
  const responses: Array<number | 'network' | { status: number; retryAfter: string }> = []
  const transport: Transport = {
    post(body, keepalive) {
      sent.push({ body: JSON.parse(body) as Sent['body'], keepalive, bytes: new Blob([body]).size })
      const next = responses.shift() ?? 200
      if (next === 'network') return Promise.reject(new TypeError('Failed to fetch'))
      const { status, retryAfter } = typeof next === 'number' ? { status: next, retryAfter: null } : next
      return Promise.resolve({
        status,
        headers: { get: (n: string) => (n === 'Retry-After' ? retryAfter : null) },
      })
    },
    beacon(body) {
      beacons.push(JSON.parse(body) as Sent['body'])
      return true
    },
  }
  return { transport, sent, beacons, responses }
}

const event = (i: number, padding = 0): QueuedEvent => ({
  type: 'track',
  event: `E${i}`,
  messageId: `m${i}`,
  context: {},
  properties: padding ? { padding: 'x'.repeat(padding) } : {},
})

const ids = (events: QueuedEvent[]) => events.map((e) => e.messageId)

let t: ReturnType<typeof fakeTransport>
let saved: Array<Saved | undefined>

beforeEach(() => {
  vi.useFakeTimers()
  vi.spyOn(Math, 'random').mockReturnValue(1) // backoff without jitter: 1 s, 2 s, 4 s, …
  vi.stubGlobal('navigator', { onLine: true })
  t = fakeTransport()
  saved = []
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

const make = (o: { flushAt?: number; flushInterval?: number; maxQueue?: number } = {}) =>
  createDelivery({ writeKey: 'wk_1', flushInterval: 1000, ...o }, t.transport, (s) => saved.push(s))

describe('delivery', () => {
  it('sends a batch when flushAt events are queued, with the write key and sentAt', async () => {
    const d = make({ flushAt: 3 })
    for (let i = 0; i < 3; i++) d.push(event(i))
    expect(t.sent).toHaveLength(1)
    expect(t.sent[0]!.body.writeKey).toBe('wk_1')
    expect(Date.parse(t.sent[0]!.body.sentAt)).not.toBeNaN()
    expect(ids(t.sent[0]!.body.batch)).toEqual(['m0', 'm1', 'm2'])
    expect(t.sent[0]!.keepalive).toBe(true)
  })

  it('sends what is queued after flushInterval', async () => {
    const d = make()
    d.push(event(0))
    await vi.advanceTimersByTimeAsync(999)
    expect(t.sent).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(ids(t.sent[0]!.body.batch)).toEqual(['m0'])
  })

  it('keeps every batch under the 64 KB keepalive budget', async () => {
    const d = make({ flushAt: 20 })
    for (let i = 0; i < 8; i++) d.push(event(i, 20_000))
    await vi.advanceTimersByTimeAsync(1000)
    expect(t.sent.length).toBeGreaterThanOrEqual(3)
    for (const s of t.sent) {
      expect(s.bytes).toBeLessThan(64 * 1024)
      expect(s.keepalive).toBe(true)
    }
    expect(t.sent.flatMap((s) => ids(s.body.batch))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'])
  })

  it('sends an event larger than the budget alone, without keepalive', async () => {
    const d = make()
    d.push(event(0, MAX_BATCH_BYTES + 10))
    d.flush(true)
    expect(t.sent[0]!.keepalive).toBe(false)
  })

  it('retries 5xx, 408, 429 and network errors with backoff, with the same messageIds, in order', async () => {
    t.responses.push(503, 'network', 408, 429)
    const d = make({ flushAt: 2 })
    d.push(event(0))
    d.push(event(1))
    await vi.advanceTimersByTimeAsync(0)
    expect(t.sent).toHaveLength(1)
    d.push(event(2)) // queued behind the failed batch, which keeps its place
    await vi.advanceTimersByTimeAsync(999)
    expect(t.sent).toHaveLength(1) // backoff: 1 s
    await vi.advanceTimersByTimeAsync(1)
    expect(t.sent).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(2000)
    await vi.advanceTimersByTimeAsync(4000)
    await vi.advanceTimersByTimeAsync(8000)
    expect(t.sent.map((s) => ids(s.body.batch))).toEqual([
      ['m0', 'm1'],
      ['m0', 'm1'],
      ['m0', 'm1'],
      ['m0', 'm1'],
      ['m0', 'm1'],
      ['m2'],
    ])
  })

  it('waits at least Retry-After before retrying', async () => {
    t.responses.push({ status: 503, retryAfter: '30' })
    const d = make()
    d.push(event(0))
    d.flush(true)
    await vi.advanceTimersByTimeAsync(29_999)
    expect(t.sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(t.sent).toHaveLength(2)
  })

  it('does not retry other 4xx: the batch is dropped and the next one goes', async () => {
    t.responses.push(400)
    const d = make({ flushAt: 1 })
    d.push(event(0))
    await vi.advanceTimersByTimeAsync(0)
    d.push(event(1))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(t.sent.map((s) => ids(s.body.batch))).toEqual([['m0'], ['m1']])
  })

  it('keeps the newest maxQueue events while failing, counts the dropped, and reports them once delivered', async () => {
    t.responses.push('network')
    const d = make({ flushAt: 10, maxQueue: 3 })
    d.push(event(0))
    d.flush(true)
    await vi.advanceTimersByTimeAsync(0)
    for (let i = 1; i < 5; i++) d.push(event(i))
    d.exit() // while failing: no beacon, everything kept
    expect(t.beacons).toHaveLength(0)
    const last = saved.at(-1)!
    expect(ids(last.q)).toEqual(['m2', 'm3', 'm4'])
    expect(last.d).toBe(2)
    await vi.advanceTimersByTimeAsync(1000)
    const batch = t.sent.at(-1)!.body.batch
    expect(ids(batch)).toEqual(['m2', 'm3', 'm4'])
    expect(batch[0]!.context['dropped']).toBe(2)
    expect(saved.at(-1)).toBeUndefined() // delivered: nothing left to keep
  })

  it('on exit, beacons what is queued and keeps what is in flight', async () => {
    const d = make({ flushAt: 2 })
    d.push(event(0))
    d.push(event(1)) // in flight (never resolves before exit)
    d.push(event(2))
    d.exit()
    expect(t.beacons.map((b) => ids(b.batch))).toEqual([['m2']])
    expect(ids(saved.at(-1)!.q)).toEqual(['m0', 'm1'])
  })

  it('replays what an earlier page kept before its own events, and clears it once delivered', async () => {
    const d = make()
    d.push(event(9))
    d.restore({ q: [event(0), event(1)], d: 0 })
    await vi.advanceTimersByTimeAsync(0)
    expect(ids(t.sent[0]!.body.batch)).toEqual(['m0', 'm1', 'm9'])
    expect(saved.at(-1)).toBeUndefined()
  })
})
