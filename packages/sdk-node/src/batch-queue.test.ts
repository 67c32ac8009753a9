import { describe, expect, it } from 'vitest'
import { BatchQueue, type Item } from './batch-queue.js'
import { BATCH_OVERHEAD_BYTES } from './options.js'

let seq = 0
const item = (bytes: number): Item => ({
  seq: ++seq,
  event: { type: 'track', messageId: `m${seq}`, timestamp: '2026-01-01T00:00:00.000Z' },
  json: 'x'.repeat(bytes),
  bytes,
  settled: false,
})

describe('batch queue', () => {
  it('is full by count or by bytes, and takes the oldest events that fit', () => {
    const q = new BatchQueue({ maxBatchEvents: 3, maxBatchBytes: BATCH_OVERHEAD_BYTES + 25 })
    q.push(item(10))
    q.push(item(10))
    expect(q.full()).toBe(false)
    q.push(item(3)) // 23 bytes + 3 separators + overhead > the limit
    expect(q.full()).toBe(true)
    const first = q.take()
    expect(first.map((i) => i.bytes)).toEqual([10, 10])
    expect(q.length).toBe(1)
    expect(q.full()).toBe(false)
  })

  it('never takes an empty batch: one oversized event goes alone', () => {
    const q = new BatchQueue({ maxBatchEvents: 10, maxBatchBytes: BATCH_OVERHEAD_BYTES + 5 })
    q.push(item(50))
    q.push(item(1))
    expect(q.take().map((i) => i.bytes)).toEqual([50])
    expect(q.shift()?.bytes).toBe(1)
    expect([q.length, q.head(), q.full()]).toEqual([0, undefined, false])
  })
})
