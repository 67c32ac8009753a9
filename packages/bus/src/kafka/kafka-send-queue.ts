import type { Message } from 'kafkajs'

/**
 * Coalesces concurrent produce calls to one topic into one Kafka request.
 *
 * The idempotent producer sends one request at a time per broker (kafkajs holds a lock per broker
 * for the whole round trip), so concurrent `send`s queue inside kafkajs anyway, one small request
 * per round trip. Here, while a request to a topic is in flight, later calls wait in a FIFO queue;
 * when it completes, every waiting call (up to `maxBytes`/`maxMessages`, whole calls only) goes in
 * the next request. No timer: an idle producer sends a call at once. Fewer, larger requests cost
 * kafkajs less CPU per message and use each round trip for more events.
 *
 * - Order: calls leave in the order they arrived, one request at a time per topic, so records of
 *   one key keep their order.
 * - Outcome: each call resolves or rejects with the request that carried it. A failed request fails
 *   all its calls (at-least-once: a caller told "failed" may still find its records on the topic).
 * - A call cancelled before it was sent (its caller's deadline passed) is never sent.
 */
export interface SendQueue {
  enqueue(topic: string, messages: Message[]): QueuedCall
}

export interface QueuedCall {
  readonly done: Promise<void>
  /** Drops the call if it is still waiting: true when it will not be sent. */
  cancel(): boolean
}

interface Pending {
  messages: Message[]
  bytes: number
  resolve: () => void
  reject: (err: unknown) => void
}

interface TopicQueue {
  waiting: Pending[]
  inFlight: boolean
}

export interface SendQueueOptions {
  /** Sends one request: resolves once Kafka acknowledged every message. */
  send: (topic: string, messages: Message[]) => Promise<void>
  /** Upper bound on the value bytes of a coalesced request; one larger call still goes alone. */
  maxBytes: number
  maxMessages: number
}

export function createSendQueue(options: SendQueueOptions): SendQueue {
  const topics = new Map<string, TopicQueue>()

  const pump = (topic: string, queue: TopicQueue): void => {
    if (queue.inFlight || queue.waiting.length === 0) return
    const group: Pending[] = []
    let bytes = 0
    let count = 0
    for (const next of queue.waiting) {
      if (
        group.length > 0 &&
        (bytes + next.bytes > options.maxBytes || count + next.messages.length > options.maxMessages)
      )
        break
      group.push(next)
      bytes += next.bytes
      count += next.messages.length
    }
    queue.waiting.splice(0, group.length)
    const messages = group.length === 1 ? (group[0] as Pending).messages : group.flatMap((p) => p.messages)
    queue.inFlight = true
    options
      .send(topic, messages)
      .then(
        () => {
          for (const p of group) p.resolve()
        },
        (err: unknown) => {
          for (const p of group) p.reject(err)
        },
      )
      .finally(() => {
        queue.inFlight = false
        if (queue.waiting.length === 0) topics.delete(topic)
        else pump(topic, queue)
      })
      .catch(() => {}) // the callers got the outcome; nothing else awaits this chain
  }

  return {
    enqueue(topic, messages) {
      let queue = topics.get(topic)
      if (!queue) topics.set(topic, (queue = { waiting: [], inFlight: false }))
      let bytes = 0
      for (const m of messages) bytes += m.value === null ? 0 : (m.value as Buffer).length
      let pending!: Pending
      const done = new Promise<void>((resolve, reject) => {
        pending = { messages, bytes, resolve, reject }
      })
      queue.waiting.push(pending)
      pump(topic, queue)
      const owner = queue
      return {
        done,
        cancel: () => {
          const at = owner.waiting.indexOf(pending)
          if (at < 0) return false
          owner.waiting.splice(at, 1)
          return true
        },
      }
    },
  }
}
