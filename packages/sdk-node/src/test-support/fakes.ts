import { gunzipSync } from 'node:zlib'
import type { Clock, TimerHandle } from '../clock.js'
import type { HttpRequest, HttpResponse, Transport } from '../transport.js'
import type { OutgoingEvent } from '../types.js'

/** Lets promise chains and microtasks run; no time passes on the fake clock. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

interface FakeTimer {
  at: number
  fn: () => void
  cancelled: boolean
}

/** A clock whose time moves only when the test says so. */
export class FakeClock implements Clock {
  time = 1_700_000_000_000
  randomValue = 0.5
  private timers: FakeTimer[] = []

  now(): number {
    return this.time
  }

  random(): number {
    return this.randomValue
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer: FakeTimer = { at: this.time + ms, fn, cancelled: false }
    this.timers.push(timer)
    return { cancel: () => void (timer.cancelled = true) }
  }

  /** Delays (from now) of the pending timers, soonest first. */
  pending(): number[] {
    return this.live()
      .map((t) => t.at - this.time)
      .sort((a, b) => a - b)
  }

  /** Moves time forward, firing due timers in order and letting their work settle. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms
    for (;;) {
      const next = this.live().sort((a, b) => a.at - b.at)[0]
      if (!next || next.at > end) break
      this.time = next.at
      next.cancelled = true
      next.fn()
      await settle()
    }
    this.time = end
    await settle()
  }

  /** Fires the soonest timer, whatever its delay. */
  async runNext(): Promise<void> {
    const delay = this.pending()[0]
    if (delay === undefined) throw new Error('no pending timer')
    await this.advance(delay)
  }

  private live(): FakeTimer[] {
    this.timers = this.timers.filter((t) => !t.cancelled)
    return this.timers
  }
}

export interface SentRequest {
  request: HttpRequest
  body: { batch: OutgoingEvent[]; sentAt: string }
  ids: string[]
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error | 'hang'

/** A transport that records what it is sent and answers from a script (default: 200, all accepted). */
export class FakeTransport implements Transport {
  readonly sent: SentRequest[] = []
  private readonly script: Reply[] = []
  private readonly hung: Array<(r: HttpResponse) => void> = []

  /** Queues replies for the next requests, in order. */
  reply(...replies: Reply[]): this {
    this.script.push(...replies)
    return this
  }

  /** Answers the requests left hanging, with `status`. */
  release(status = 200): void {
    for (const resolve of this.hung.splice(0)) resolve(response({ status }))
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    const raw = typeof request.body === 'string' ? request.body : gunzipSync(request.body).toString('utf8')
    const body = JSON.parse(raw) as SentRequest['body']
    this.sent.push({ request, body, ids: body.batch.map((e) => e.messageId) })
    const next = this.script.shift() ?? { status: 200 }
    if (next === 'hang') return new Promise((resolve) => this.hung.push(resolve))
    if (next instanceof Error) return Promise.reject(next)
    return Promise.resolve(response(next))
  }

  /** Number of events in each request. */
  sizes(): number[] {
    return this.sent.map((s) => s.body.batch.length)
  }
}

function response(r: { status: number; body?: unknown; headers?: Record<string, string> }): HttpResponse {
  const headers = new Map(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  const body =
    r.body ?? (r.status >= 200 && r.status < 300 ? { success: true, accepted: 0, rejected: [] } : {})
  return {
    status: r.status,
    headers: { get: (name) => headers.get(name.toLowerCase()) ?? null },
    text: () => Promise.resolve(JSON.stringify(body)),
  }
}
