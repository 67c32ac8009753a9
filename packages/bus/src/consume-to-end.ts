import type { Batch, Bus } from './bus.js'

export interface ConsumeToEndOptions {
  topic: string
  group: string
  /** false: read without moving the group's offsets (see SubscribeOptions.commit). Default true. */
  commit?: boolean
  maxBatchRecords?: number
  /** Gets every record up to the end, and possibly some appended since the call began. */
  eachBatch: (batch: Batch) => Promise<void>
  /** Rejects when the end was not reached by then (a handler that keeps failing, a lost broker). */
  timeoutMs?: number
}

export interface ConsumeToEndResult {
  /** Records handed to eachBatch. */
  records: number
}

/**
 * Reads `topic` as consumer `group` from where the group stands (its committed offsets, else the
 * start of the log) up to at least the end the log had when the call began, then leaves the group. The
 * read-once tools (`sillage dlq inspect` and `replay`) use it; a handler that rejects gets its
 * batch again, as with any subscription, until the deadline.
 */
export async function consumeToEnd(bus: Bus, options: ConsumeToEndOptions): Promise<ConsumeToEndResult> {
  const commit = options.commit ?? true
  const partitions = await bus.offsets(options.topic, options.group)
  /** partition -> end offset still to reach */
  const pending = new Map<number, number>()
  for (const p of partitions) {
    const from = Math.max(p.committed ?? p.start, p.start)
    if (from < p.end) pending.set(p.partition, p.end)
  }
  if (pending.size === 0) return { records: 0 }

  let records = 0
  let reached!: () => void
  const done = new Promise<void>((resolve) => (reached = resolve))
  const subscription = await bus.subscribe({
    topic: options.topic,
    group: options.group,
    commit,
    ...(options.maxBatchRecords !== undefined && { maxBatchRecords: options.maxBatchRecords }),
    eachBatch: async (batch) => {
      // Records appended since the start are handed over too: skipping them would commit them unread.
      await options.eachBatch(batch)
      records += batch.records.length
      const end = pending.get(batch.partition)
      const last = batch.records[batch.records.length - 1]
      if (end !== undefined && last && last.offset + 1 >= end) {
        pending.delete(batch.partition)
        if (pending.size === 0) reached()
      }
    },
  })
  let timer: NodeJS.Timeout | undefined
  try {
    const timeoutMs = options.timeoutMs ?? 120_000
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `reading ${options.topic} did not reach its end within ${timeoutMs} ms ` +
                  `(partitions left: ${[...pending.keys()].join(', ')})`,
              ),
            ),
          timeoutMs,
        )
      }),
    ])
  } finally {
    clearTimeout(timer)
    await subscription.stop()
  }
  return { records }
}
