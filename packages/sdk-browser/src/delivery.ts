import type { InitOptions } from './types.js'
import { backoff, now, stringify } from './util.js'

/** An event ready to send (ids, context and consent set). */
export type QueuedEvent = { messageId: string; context: Record<string, unknown> } & Record<string, unknown>

/** What the page keeps for later delivery (localStorage): events, and how many were dropped. */
export interface Saved {
  q: QueuedEvent[]
  d: number
}

/** The HTTP side, injected so that the queue logic is testable without a browser. */
export interface Transport {
  /** POSTs a batch body (JSON as text/plain); resolves with the response, rejects on network errors. */
  post(
    body: string,
    keepalive: boolean,
  ): Promise<{ status: number; headers: { get(name: string): string | null } }>
  /** navigator.sendBeacon: true when the browser took the body. */
  beacon(body: string): boolean
}

export interface Delivery {
  push(event: QueuedEvent): void
  flush(now?: boolean): void
  /** Page hidden or unloading: beacon what is queued, keep the rest (and what is in flight). */
  exit(): void
  /** Events kept by an earlier page: delivered first. */
  restore(saved: Saved): void
}

/** Beacons and keepalive requests share a 64 KB budget; batches stay under it. */
export const MAX_BATCH_BYTES = 6e4

// UTF-8 length (a Blob would be exact too, but costs ~200 µs each in Chromium).
const utf8 = new TextEncoder()

/**
 * Batching by count and time, one request in flight (so order is kept), retry with exponential
 * backoff and jitter honouring Retry-After, no retry on 4xx other than 408 and 429. messageIds are
 * set before queueing, so a retried event is the same event.
 */
export function createDelivery(
  o: Pick<InitOptions, 'writeKey' | 'flushAt' | 'flushInterval' | 'maxQueue'>,
  transport: Transport,
  /** Stores the undelivered events (undefined: nothing left to keep). */
  store: (saved: Saved | undefined) => void,
): Delivery {
  const flushAt = o.flushAt || 20
  const maxQueue = o.maxQueue || 500
  let q: QueuedEvent[] = []
  let busy: QueuedEvent[] | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let attempt = 0
  let waiting = false
  let dropped = 0
  let saved = false

  const later = (ms: number) => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      waiting = false
      flush()
    }, ms)
  }

  const bound = () => {
    const over = q.length - maxQueue
    if (over > 0) {
      q.splice(0, over)
      dropped += over
    }
  }

  const save = () => {
    const all = (busy || []).concat(q)
    saved = all.length > 0
    store(saved ? { q: all.slice(-maxQueue), d: dropped } : undefined)
  }

  /** The next batch (not taken off the queue): how many events, the body and its size. */
  const next = (): [number, string, number] => {
    if (dropped) {
      q[0]!.context.dropped = dropped
      dropped = 0
    }
    const parts: string[] = []
    let size = 0
    for (const e of q) {
      const json = stringify(e)
      const n = utf8.encode(json).length
      if (parts.length && (parts.length >= flushAt || size + n > MAX_BATCH_BYTES)) break
      parts.push(json)
      size += n
    }
    const body = '{"writeKey":' + stringify(o.writeKey) + ',"sentAt":"' + now() + '","batch":[' + parts + ']}'
    return [parts.length, body, size]
  }

  /** `now`: also cut a retry backoff short (the page is back online, or the site asks). */
  const flush = (now?: boolean) => {
    if (now) waiting = false
    if (busy || waiting || !q.length) return
    clearTimeout(timer)
    timer = undefined
    let batch: QueuedEvent[] = (busy = [])
    // A page's fetch (or JSON) that throws is a failed request, retried: never an exception in the page.
    new Promise<Awaited<ReturnType<Transport['post']>>>((resolve) => {
      const [n, body, size] = next()
      busy = batch = q.splice(0, n)
      resolve(transport.post(body, size < MAX_BATCH_BYTES))
    })
      .then((r) => {
        const s = r.status
        if (s > 499 || s == 408 || s == 429) throw r
        // Delivered, or refused for good (4xx): either way not retried.
        busy = undefined
        attempt = 0
        if (saved) save()
        flush()
      })
      .catch((r: { headers?: { get(name: string): string | null } }) => {
        q = batch.concat(q)
        busy = undefined
        bound()
        save()
        waiting = true
        later(backoff(attempt++, r.headers?.get('Retry-After')))
      })
  }

  const push = (e: QueuedEvent) => {
    q.push(e)
    bound()
    if (q.length >= flushAt) flush()
    else if (!timer) later(o.flushInterval || 2e3)
  }

  const exit = () => {
    // While the collector is failing a beacon would be lost: keep the events for the next page.
    // A beacon refused, or a sendBeacon that throws: the rest is kept.
    try {
      while (!waiting && navigator.onLine && q.length) {
        const [n, body] = next()
        if (!transport.beacon(body)) break
        q.splice(0, n)
      }
    } catch {
      /* kept */
    }
    save()
  }

  return {
    push,
    flush,
    exit,
    restore(s) {
      // Stored copies stay until delivered: the next save (after a send) rewrites them.
      saved = true
      q = s.q.concat(q)
      dropped += s.d
      bound()
      later(0)
    },
  }
}
