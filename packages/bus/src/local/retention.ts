/**
 * The local bus's retention: at open, then every `retentionCheckMs`, each partition of a topic
 * that is not compacted rolls its active segment when aged, and deletes the closed segments older
 * than the topic's retentionMs (default 7 days), even if a group has not read them, as Kafka does.
 * Compacted topics are kept whole.
 */
import type { BusLog } from './logger.js'
import type { LocalTopic } from './topic-registry.js'
import { DEFAULT_RETENTION_MS } from './topic-meta.js'

export interface Retention {
  /** Stops the timer and resolves once a pass in progress has finished. */
  stop(): Promise<void>
}

export interface RetentionDeps {
  topics: () => Iterable<LocalTopic>
  retentionCheckMs: number
  log: BusLog
  /** A pass stops early once the bus is closing. */
  isClosed: () => boolean
}

export function startRetention(deps: RetentionDeps): Retention {
  const { log } = deps
  let running: Promise<void> | undefined

  function pass(): Promise<void> {
    running ??= (async () => {
      for (const topic of deps.topics()) {
        if (topic.meta.compacted) continue
        const retentionMs = topic.meta.retentionMs ?? DEFAULT_RETENTION_MS
        for (const partition of topic.partitions) {
          if (deps.isClosed()) return
          try {
            await partition.rollIfAged(Date.now())
            await partition.deleteExpiredSegments(retentionMs, Date.now())
          } catch (err) {
            log.warn(
              { topic: topic.meta.name, partition: partition.partition, err },
              'local bus: retention failed',
            )
          }
        }
      }
    })().finally(() => {
      running = undefined
    })
    return running
  }

  void pass()
  const timer = setInterval(() => void pass(), deps.retentionCheckMs)
  timer.unref()

  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
