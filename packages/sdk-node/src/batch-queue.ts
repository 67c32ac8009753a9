import { BATCH_OVERHEAD_BYTES } from './options.js'
import type { OutgoingEvent } from './types.js'

/** An event in the publisher's hands, from enqueue to its settlement. */
export interface Item {
  seq: number
  event: OutgoingEvent
  /** Serialised once, when the event is queued. */
  json: string
  bytes: number
  settled: boolean
}

/**
 * The events waiting for a batch, in order, with their serialised size: whether a full batch is
 * waiting, and which events the next batch takes (by count and bytes, never an empty batch).
 */
export class BatchQueue {
  private readonly items: Item[] = []
  private bytes = 0

  constructor(private readonly limits: { readonly maxBatchEvents: number; readonly maxBatchBytes: number }) {}

  get length(): number {
    return this.items.length
  }

  /** The oldest waiting event. */
  head(): Item | undefined {
    return this.items[0]
  }

  push(item: Item): void {
    this.items.push(item)
    this.bytes += item.bytes
  }

  /** Takes the oldest waiting event out (the overflow policy's victim). */
  shift(): Item | undefined {
    const item = this.items.shift()
    if (item) this.bytes -= item.bytes
    return item
  }

  clear(): void {
    this.items.length = 0
    this.bytes = 0
  }

  /** A full batch is waiting: by count, or by bytes. */
  full(): boolean {
    return (
      this.items.length >= this.limits.maxBatchEvents ||
      this.bytes + this.items.length + BATCH_OVERHEAD_BYTES > this.limits.maxBatchBytes
    )
  }

  /** The next batch: as many of the oldest events as fit the count and the bytes (at least one). */
  take(): Item[] {
    let count = 0
    let bytes = BATCH_OVERHEAD_BYTES
    for (const item of this.items) {
      if (count === this.limits.maxBatchEvents) break
      if (count > 0 && bytes + item.bytes + 1 > this.limits.maxBatchBytes) break
      bytes += item.bytes + 1
      count += 1
    }
    const batch = this.items.splice(0, count)
    for (const item of batch) this.bytes -= item.bytes
    return batch
  }
}
