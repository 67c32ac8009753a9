import type { Clock, TimerHandle } from './clock.js'
import { SillageError, summarise, type FailedEvent, type SdkErrorCode } from './errors.js'
import { acceptedBatch, failure, failuresOf, refusedBatch, type Failures } from './batch-failures.js'
import { BatchQueue, type Item } from './batch-queue.js'
import type { ResolvedOptions } from './options.js'
import { backoffDelay, type Rejection, type Verdict } from './retry-policy.js'
import { sendBatch, type SendBatchDeps } from './send-batch.js'
import { Settlements, type Wait } from './settlements.js'
import type { Transport } from './transport.js'
import type { OutgoingEvent } from './types.js'

export interface PublisherDeps {
  options: ResolvedOptions
  transport: Transport
  clock: Clock
  compress: (body: string) => Promise<Uint8Array>
  headers: Readonly<Record<string, string>>
  /** Called once per batch of failed or dropped events. */
  report: (error: SillageError) => void
}

export interface PublisherStats {
  /** Waiting for a batch. */
  queued: number
  /** Undelivered: queued, in flight or waiting for a retry. */
  undelivered: number
  accepted: number
  failed: number
  /** Dropped by the overflow policy (also counted in `failed`). */
  dropped: number
  retries: number
  requests: number
}

/**
 * The delivery engine: a bounded queue, batches by count, bytes and time, at most `maxInFlight`
 * requests, retries with back-off, and per-event settlement that flush() waits on.
 */
export class Publisher {
  private readonly o: ResolvedOptions
  private readonly queue: BatchQueue
  /** Every undelivered event, in sequence order. */
  private readonly live = new Set<Item>()
  private seq = 0
  /** Events up to this seq are sent without waiting for a full batch. */
  private drainTarget = 0
  private inFlight = 0
  private timer: TimerHandle | undefined
  private drainScheduled = false
  private gzip: boolean
  private abandoned = false
  private readonly abort = new AbortController()
  private readonly sleeps = new Set<{ handle: TimerHandle; wake: () => void }>()
  private readonly settlements: Settlements
  private readonly send: SendBatchDeps
  private dropped: FailedEvent[] = []
  /**
   * When the collector started failing (the start of the first failed attempt since its last
   * answer): the retry budget is the outage's, shared by every batch, so that a long outage costs
   * maxRetryDurationMs once, not once per queued batch.
   */
  private outageSince: number | undefined
  private readonly counters = { accepted: 0, failed: 0, dropped: 0, retries: 0, requests: 0 }

  constructor(private readonly deps: PublisherDeps) {
    this.o = deps.options
    this.queue = new BatchQueue(deps.options)
    this.gzip = deps.options.gzip
    this.settlements = new Settlements(deps.options.maxQueueEvents)
    this.send = {
      url: deps.options.url,
      transport: deps.transport,
      clock: deps.clock,
      compress: deps.compress,
      headers: deps.headers,
      timeoutMs: deps.options.requestTimeoutMs,
      signal: this.abort.signal,
    }
  }

  enqueue(event: OutgoingEvent, json: string, bytes: number): void {
    const item: Item = { seq: ++this.seq, event, json, bytes, settled: false }
    if (this.live.size >= this.o.maxQueueEvents) {
      const victim = this.o.overflow === 'drop-oldest' ? this.queue.shift() : undefined
      if (!victim) return this.drop(item)
      this.drop(victim)
    }
    this.queue.push(item)
    this.live.add(item)
    if (this.o.serverless || this.o.flushIntervalMs === 0) this.scheduleDrain()
    else this.pump()
  }

  /** An event refused before it was queued (too large, after close): failed and reported. */
  reject(event: OutgoingEvent, code: SdkErrorCode, reason: string): void {
    const item: Item = { seq: ++this.seq, event, json: '', bytes: 0, settled: false }
    this.fail([item], code, reason)
  }

  /** Everything queued so far is sent now; resolves with its failures once all are settled. */
  flush(): Wait & { target: number } {
    this.drainTarget = this.seq
    const wait = this.settlements.wait(this.seq, this.live.size)
    this.pump()
    return { ...wait, target: this.seq }
  }

  /** Events still undelivered (up to seq `upTo`), oldest first. */
  undelivered(upTo: number = Infinity): OutgoingEvent[] {
    const out: OutgoingEvent[] = []
    for (const item of this.live) if (item.seq <= upTo) out.push(item.event)
    return out
  }

  /** After close(): no timer left behind. */
  stop(): void {
    this.timer?.cancel()
    this.timer = undefined
  }

  /** Stops everything; every undelivered event fails with `code`. */
  abandon(code: SdkErrorCode, reason: string): void {
    this.abandoned = true
    this.abort.abort(new SillageError(code, reason))
    this.timer?.cancel()
    this.timer = undefined
    for (const s of this.sleeps) {
      s.handle.cancel()
      s.wake()
    }
    this.queue.clear()
    if (this.live.size > 0) this.fail([...this.live], code, reason)
  }

  stats(): PublisherStats {
    return { queued: this.queue.length, undelivered: this.live.size, ...this.counters }
  }

  private drop(item: Item): void {
    item.settled = true
    this.live.delete(item)
    const dropped = failure(item, 'SIL_SDK_QUEUE_FULL', `${this.o.maxQueueEvents} undelivered events`)
    this.counters.dropped += 1
    this.counters.failed += 1
    this.settlements.settled(item.seq, dropped)
    // One report per burst of drops, not one per event.
    if (this.dropped.push(dropped) === 1) {
      queueMicrotask(() => {
        const failed = this.dropped
        this.dropped = []
        this.deps.report(new SillageError('SIL_SDK_QUEUE_FULL', summarise(failed), { failed }))
      })
    }
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return
    this.drainScheduled = true
    queueMicrotask(() => {
      this.drainScheduled = false
      this.drainTarget = this.seq
      this.pump()
    })
  }

  private pump(): void {
    while (!this.abandoned && this.inFlight < this.o.maxInFlight && this.queue.length > 0) {
      const head = this.queue.head() as Item
      if (head.seq > this.drainTarget && !this.queue.full()) break
      const batch = this.queue.take()
      this.inFlight += 1
      void this.run(batch).then(() => {
        this.inFlight -= 1
        this.pump()
      })
    }
    if (this.queue.length === 0 || this.abandoned) {
      this.timer?.cancel()
      this.timer = undefined
    } else if (!this.timer && !this.o.serverless && this.o.flushIntervalMs > 0) {
      this.timer = this.deps.clock.setTimer(() => {
        this.timer = undefined
        this.drainTarget = this.seq
        this.pump()
      }, this.o.flushIntervalMs)
    }
  }

  private async run(items: Item[]): Promise<void> {
    try {
      await this.deliver(items)
    } catch (error) {
      // A bug, not a delivery problem: fail loudly rather than retry.
      this.fail(items, 'SIL_SDK_INTERNAL', error instanceof Error ? error.message : String(error))
    }
  }

  private async deliver(items: Item[]): Promise<void> {
    let retries = 0
    for (;;) {
      if (this.abandoned) return
      this.counters.requests += 1
      const events = items.map((i) => i.json)
      const attempted = this.deps.clock.now()
      const verdict = await sendBatch(this.send, events, retries, this.gzip)
      if (this.abandoned) return
      if (verdict.kind === 'retry') this.outageSince ??= attempted
      else this.outageSince = undefined // the collector answered: it is up
      switch (verdict.kind) {
        case 'accepted':
          return this.accept(items, verdict.rejected)
        case 'refused':
          return this.refuse(items, verdict)
        case 'too-large': {
          if (items.length === 1)
            return this.fail(items, 'SIL_SDK_EVENT_TOO_LARGE', verdict.message, verdict.status)
          const half = Math.ceil(items.length / 2)
          await this.deliver(items.slice(0, half))
          return this.deliver(items.slice(half))
        }
        case 'unsupported-media-type':
          if (this.gzip) {
            this.gzip = false // the collector does not take gzip: send plain from now on
            continue
          }
          return this.refuse(items, { ...verdict, kind: 'refused', rejected: [] })
        case 'retry': {
          retries += 1
          const delay = backoffDelay({
            retry: retries,
            baseMs: this.o.retryBaseMs,
            maxMs: this.o.retryMaxMs,
            retryAfterMs: verdict.retryAfterMs,
            maxRetryAfterMs: this.o.maxRetryAfterMs,
            random: this.deps.clock.random(),
          })
          const elapsed = this.deps.clock.now() - (this.outageSince ?? attempted)
          if (retries > this.o.maxRetries || elapsed + delay > this.o.maxRetryDurationMs) {
            const reason = `gave up after ${retries} attempts, the collector failing for ${elapsed} ms; last: ${verdict.reason}`
            return this.fail(items, 'SIL_SDK_RETRIES_EXHAUSTED', reason, verdict.status)
          }
          this.counters.retries += 1
          await this.sleep(delay)
        }
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        handle: this.deps.clock.setTimer(() => {
          this.sleeps.delete(entry)
          resolve()
        }, ms),
        wake: resolve,
      }
      this.sleeps.add(entry)
    })
  }

  private accept(items: Item[], rejected: Rejection[]): void {
    const { accepted, failed } = acceptedBatch(items, rejected)
    for (const item of accepted) if (this.settle(item)) this.counters.accepted += 1
    this.failWith(failed)
  }

  private refuse(items: Item[], v: Extract<Verdict, { kind: 'refused' }>): void {
    const { accepted, failed } = refusedBatch(items, v)
    for (const item of accepted) if (this.settle(item)) this.counters.accepted += 1
    this.failWith(failed)
  }

  private fail(items: Item[], code: SdkErrorCode, reason: string, status?: number): void {
    this.failWith(failuresOf(items, code, reason, status))
  }

  /** Settles the failures (skipping events already settled) and reports them once. */
  private failWith(failed: Failures): void {
    const fresh: FailedEvent[] = []
    for (const [item, f] of failed) if (this.settle(item, f)) fresh.push(f)
    if (fresh.length === 0) return
    this.counters.failed += fresh.length
    const code = (fresh[0] as FailedEvent).code
    this.deps.report(new SillageError(code, summarise(fresh), { failed: fresh }))
  }

  /** False when the event was already settled (abandoned by close(), then answered). */
  private settle(item: Item, failure?: FailedEvent): boolean {
    if (item.settled) return false
    item.settled = true
    this.live.delete(item)
    this.settlements.settled(item.seq, failure)
    return true
  }
}
