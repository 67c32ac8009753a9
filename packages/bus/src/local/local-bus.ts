/**
 * The `local` bus: a durable append-only log on disk, for one machine and one process.
 *
 * ```
 * <dir>/.lock                                 pid of the process that has the log open
 * <dir>/<topic>/topic.json                    { version, name, partitions, retentionMs?, compacted? }
 * <dir>/<topic>/<partition>/<base, 20 digits>.log   segments of frames (frame.ts)
 * <dir>/__offsets/<group>.json                committed offsets (offset-store.ts)
 * ```
 *
 * Guarantees (bus.ts): `produce` resolves once durable (O_DSYNC writes, group commit: partition-log.ts);
 * consumers see only durable records; offsets move only after the handler resolved; a torn tail
 * left by a crash is truncated at open. A failed write (disk full, EIO) makes the bus refuse every
 * produce (SIL_BUS_UNAVAILABLE, health() not ready with the reason) until the failed partition's
 * probe write succeeds; it then heals by itself, without a restart (partition-log.ts,
 * write-failures.ts). Retention deletes closed segments older than the topic's retentionMs
 * (default 7 days), even if a group has not read them, as Kafka does; a segment rolls when full or
 * when its first record is `segmentMs` old (default one day), so a record is deleted at most
 * segmentMs + retentionMs + retentionCheckMs after it was written, even on a quiet system
 * (retention.ts). Compacted topics are kept whole: nothing is deleted or compacted (correct, if
 * not space-efficient).
 *
 * This file composes the parts: options (local-bus-options.ts), topics and their partition logs
 * (topic-registry.ts), consumer groups (group-consumer.ts), committed offsets (offset-store.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import { checkBatchOptions } from '../batch-options.js'
import {
  BusError,
  type Bus,
  type BusHealth,
  type PartitionOffsets,
  type ProduceMessage,
  type Subscription,
  type TopicSpec,
} from '../bus.js'
import { acquireDirLock } from './dir-lock.js'
import { createGroupConsumer, type GroupConsumer } from './group-consumer.js'
import { localBusSettings, type LocalBusOptions } from './local-bus-options.js'
import { normalizeLogger } from './logger.js'
import { createOffsetStore, type OffsetStore } from './offset-store.js'
import type { AppendRecord } from './partition-log.js'
import { startRetention } from './retention.js'
import { openTopicRegistry, type TopicRegistry } from './topic-registry.js'
import { createWriteFailures } from './write-failures.js'

export type { LocalBusOptions } from './local-bus-options.js'

/**
 * Opens (and recovers) the log in `options.dir` synchronously, then serves it asynchronously.
 * Throws SIL_BUS_UNAVAILABLE if another live process has the directory open.
 */
export function createLocalBus(options: LocalBusOptions): Bus {
  const dir = path.resolve(options.dir)
  const settings = localBusSettings(options)
  const log = normalizeLogger(options.log)

  fs.mkdirSync(dir, { recursive: true })
  const releaseLock = acquireDirLock(dir)

  const failures = createWriteFailures(settings.recoveryProbeMs)
  let closed = false
  let closing: Promise<void> | undefined

  function closedError(): BusError {
    return new BusError('SIL_BUS_CLOSED', 'local bus is closed')
  }
  function assertOpen(): void {
    if (closed) throw closedError()
  }

  let topics: TopicRegistry
  let offsetStore: OffsetStore
  try {
    topics = openTopicRegistry({ dir, settings, fileOps: options.fileOps, log, failures, assertOpen })
    offsetStore = createOffsetStore(dir, log)
  } catch (err) {
    releaseLock()
    throw err
  }

  const retention = startRetention({
    topics: () => topics.all(),
    retentionCheckMs: settings.retentionCheckMs,
    log,
    isClosed: () => closed,
  })

  const consumers = new Map<string, GroupConsumer>()
  const closingConsumers = new Map<string, Promise<void>>()

  return {
    kind: 'local',

    async ensureTopics(specs: readonly TopicSpec[]) {
      assertOpen()
      await topics.ensure(specs)
    },

    async produce(topicName: string, messages: readonly ProduceMessage[]) {
      assertOpen()
      // Refused whole before anything is written: a batch refused here stores none of its events.
      const refusal = failures.refusal()
      if (refusal) throw refusal
      const topic = topics.get(topicName)
      if (messages.length === 0) return
      const count = topic.partitions.length
      const byPartition: (AppendRecord[] | undefined)[] = new Array<AppendRecord[] | undefined>(count)
      for (const message of messages) {
        if (!(message.value instanceof Uint8Array)) throw new TypeError('message value must be a Buffer')
        const key = message.key === null ? null : Buffer.from(message.key, 'utf8')
        const partition = topic.partitioner(key, count)
        ;(byPartition[partition] ??= []).push({
          key,
          value: message.value,
          headers: message.headers,
          parsed: message.parsed,
        })
      }
      const timestamp = Date.now()
      const appends: Promise<void>[] = []
      for (let p = 0; p < count; p++) {
        const records = byPartition[p]
        if (records) appends.push(topic.partitions[p]!.append(records, timestamp))
      }
      if (appends.length === 1) return appends[0]
      // Every partition's write settles before the call does: when a produce fails, what part of
      // it was stored (the partitions whose writes were durable) is already readable.
      const settled = await Promise.allSettled(appends)
      const failed = settled.find((s) => s.status === 'rejected')
      if (failed) throw failed.reason
    },

    async subscribe(subscribeOptions): Promise<Subscription> {
      assertOpen()
      const topic = topics.get(subscribeOptions.topic)
      const { group } = subscribeOptions
      if (typeof group !== 'string' || group.length === 0)
        throw new RangeError('group must be a non-empty string')
      checkBatchOptions(subscribeOptions)
      const key = `${group}\u0000${topic.meta.name}`
      // A group whose last member just left finishes its commits before a new member starts.
      for (let previous = closingConsumers.get(key); previous; previous = closingConsumers.get(key))
        await previous
      assertOpen()
      let consumer = consumers.get(key)
      if (!consumer) {
        consumer = createGroupConsumer({
          group,
          topic: topic.meta.name,
          partitions: topic.partitions,
          offsets: offsetStore,
          log,
          backoff: settings.backoff,
          onClosing: (done) => {
            consumers.delete(key)
            const tracked = done.finally(() => {
              if (closingConsumers.get(key) === tracked) closingConsumers.delete(key)
            })
            closingConsumers.set(key, tracked)
          },
        })
        consumers.set(key, consumer)
      }
      return consumer.join(subscribeOptions)
    },

    async offsets(topicName: string, group?: string): Promise<PartitionOffsets[]> {
      assertOpen()
      const topic = topics.get(topicName)
      return topic.partitions.map((p) => ({
        partition: p.partition,
        start: p.startOffset(),
        end: p.highWatermark(),
        committed:
          group === undefined ? null : (offsetStore.get(group, topic.meta.name, p.partition) ?? null),
      }))
    },

    health(): BusHealth {
      if (closed) return { ready: false, reason: 'closed' }
      return failures.health()
    },

    close() {
      closing ??= (async () => {
        closed = true
        const retentionStopped = retention.stop()
        await Promise.all([...consumers.values()].map((c) => c.close()))
        consumers.clear()
        await Promise.all(closingConsumers.values())
        await retentionStopped
        await topics.idle()
        await offsetStore.close()
        const results = await topics.closePartitions()
        releaseLock()
        const failed = results.find((r) => r.status === 'rejected')
        if (failed)
          throw new BusError('SIL_BUS_UNAVAILABLE', 'local bus close failed', { cause: failed.reason })
      })()
      return closing
    },
  }
}
