import { randomUUID } from 'node:crypto'
import type { Bus, BusRecord, Subscription } from './bus.js'

export interface FollowTopicOptions {
  topic: string
  /**
   * Prefix of the consumer group. Each follower gets its own group (`<prefix>.<uuid>`) and never
   * commits, so every process reads the whole topic at every start and no follower shares a
   * partition with another (what in-memory views of a compacted topic need).
   */
  groupPrefix: string
  /** Called for every record, in offset order per partition; must not throw. */
  onRecord: (record: BusRecord) => void
  /** `caughtUp` rejects when the end the log had at start is not reached by then. Default 60 s. */
  timeoutMs?: number
}

export interface TopicFollower {
  /** Resolves once every record present when the follower started has been applied. */
  readonly caughtUp: Promise<void>
  stop(): Promise<void>
}

/**
 * Follows a (compacted) topic from its start into memory, and keeps following it: the way each
 * collector and identity process holds the suppression list (`privacy.suppressions`). Resolves
 * once subscribed; await `caughtUp` before serving.
 */
export async function followTopic(bus: Bus, options: FollowTopicOptions): Promise<TopicFollower> {
  const group = `${options.groupPrefix}.${randomUUID()}`
  const pending = new Map<number, number>()
  for (const p of await bus.offsets(options.topic)) if (p.start < p.end) pending.set(p.partition, p.end)

  let reached!: () => void
  let failed!: (err: Error) => void
  const caughtUp = new Promise<void>((resolve, reject) => {
    reached = resolve
    failed = reject
  })
  caughtUp.catch(() => {}) // the owner awaits it; an unobserved rejection must not crash the process
  if (pending.size === 0) reached()

  const subscription: Subscription = await bus.subscribe({
    topic: options.topic,
    group,
    commit: false,
    eachBatch: async (batch) => {
      for (const record of batch.records) options.onRecord(record)
      const end = pending.get(batch.partition)
      const last = batch.records.at(-1)
      if (end !== undefined && last && last.offset + 1 >= end) {
        pending.delete(batch.partition)
        if (pending.size === 0) reached()
      }
    },
  })
  const timeoutMs = options.timeoutMs ?? 60_000
  const timer = setTimeout(
    () => failed(new Error(`${options.topic}: not caught up within ${timeoutMs} ms`)),
    timeoutMs,
  )
  timer.unref()
  void caughtUp.then(
    () => clearTimeout(timer),
    () => {},
  )
  return {
    caughtUp,
    async stop() {
      clearTimeout(timer)
      await subscription.stop()
    },
  }
}
