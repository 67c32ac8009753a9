import type { Message } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { createSendQueue } from './kafka-send-queue.js'

/** A send whose requests are recorded and completed by hand. */
function manualSend() {
  const requests: Array<{ topic: string; values: string[]; ack(): void; fail(err: Error): void }> = []
  const send = (topic: string, messages: Message[]) =>
    new Promise<void>((resolve, reject) => {
      requests.push({
        topic,
        values: messages.map((m) => String(m.value)),
        ack: resolve,
        fail: reject,
      })
    })
  return { requests, send }
}

const msgs = (...values: string[]): Message[] => values.map((v) => ({ key: 'k', value: Buffer.from(v) }))
const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('kafka send queue', () => {
  it('sends the first call at once, then everything that queued meanwhile in one request, in order', async () => {
    const { requests, send } = manualSend()
    const queue = createSendQueue({ send, maxBytes: 1_000, maxMessages: 100 })
    const first = queue.enqueue('t', msgs('a'))
    const later = [queue.enqueue('t', msgs('b', 'c')), queue.enqueue('t', msgs('d'))]
    expect(requests.map((r) => r.values)).toEqual([['a']])
    requests[0]?.ack()
    await first.done
    await tick()
    expect(requests.map((r) => r.values)).toEqual([['a'], ['b', 'c', 'd']])
    requests[1]?.ack()
    await Promise.all(later.map((c) => c.done))
  })

  it('bounds a request by bytes and messages, whole calls only; one larger call goes alone', async () => {
    const { requests, send } = manualSend()
    const queue = createSendQueue({ send, maxBytes: 4, maxMessages: 3 })
    const calls = [
      queue.enqueue('t', msgs('x')), // sent at once
      queue.enqueue('t', msgs('aa', 'bb')), // 4 bytes
      queue.enqueue('t', msgs('c')), // would make 5 bytes: next request
      queue.enqueue('t', msgs('d', 'e')), // 3 messages with 'c'
      queue.enqueue('t', msgs('toolarge')), // alone
    ]
    for (let i = 0; i < 4; i++) {
      requests[i]?.ack()
      await tick()
    }
    expect(requests.map((r) => r.values)).toEqual([['x'], ['aa', 'bb'], ['c', 'd', 'e'], ['toolarge']])
    await Promise.all(calls.map((c) => c.done))
  })

  it('rejects every call of a failed request, and only those; the queue goes on', async () => {
    const { requests, send } = manualSend()
    const queue = createSendQueue({ send, maxBytes: 1_000, maxMessages: 100 })
    const first = queue.enqueue('t', msgs('a'))
    const second = queue.enqueue('t', msgs('b'))
    const third = queue.enqueue('t', msgs('c'))
    requests[0]?.ack()
    await tick()
    requests[1]?.fail(new Error('broker gone'))
    await expect(second.done).rejects.toThrow('broker gone')
    await expect(third.done).rejects.toThrow('broker gone')
    await expect(first.done).resolves.toBeUndefined()
    const fourth = queue.enqueue('t', msgs('d'))
    expect(requests.at(-1)?.values).toEqual(['d'])
    requests.at(-1)?.ack()
    await fourth.done
  })

  it('never sends a call cancelled while it waited; a call already sent cannot be cancelled', async () => {
    const { requests, send } = manualSend()
    const queue = createSendQueue({ send, maxBytes: 1_000, maxMessages: 100 })
    const sent = queue.enqueue('t', msgs('a'))
    const dropped = queue.enqueue('t', msgs('b'))
    const kept = queue.enqueue('t', msgs('c'))
    expect(sent.cancel()).toBe(false)
    expect(dropped.cancel()).toBe(true)
    requests[0]?.ack()
    await tick()
    expect(requests.map((r) => r.values)).toEqual([['a'], ['c']])
    requests[1]?.ack()
    await kept.done
  })

  it('keeps topics apart: a request in flight to one topic does not hold another back', () => {
    const { requests, send } = manualSend()
    const queue = createSendQueue({ send, maxBytes: 1_000, maxMessages: 100 })
    queue.enqueue('raw', msgs('a'))
    queue.enqueue('invalid', msgs('x'))
    expect(requests.map((r) => [r.topic, r.values])).toEqual([
      ['raw', ['a']],
      ['invalid', ['x']],
    ])
  })
})
