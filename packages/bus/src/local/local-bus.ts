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
 * probe write succeeds; it then heals by itself, without a restart (partition-log.ts). Retention deletes closed segments older than the topic's
 * retentionMs (default 7 days), even if a group has not read them, as Kafka does; a segment rolls
 * when full or when its first record is `segmentMs` old (default one day), so a record is deleted
 * at most segmentMs + retentionMs + retentionCheckMs after it was written, even on a quiet
 * system. Compacted topics are kept whole: nothing is deleted or compacted (correct, if not
 * space-efficient).
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import {
  BusError,
  type Bus,
  type BusHealth,
  type PartitionOffsets,
  type ProduceMessage,
  type Subscription,
  type TopicSpec,
} from '../bus.js'
import { createPartitioner, type Partitioner } from '../partitioner.js'
import { acquireDirLock } from './dir-lock.js'
import { fsyncDir, type LogFileOps } from './durable-fs.js'
import { createGroupConsumer, type GroupConsumer, type RetryBackoff } from './group-consumer.js'
import { normalizeLogger, type LocalBusLogger } from './logger.js'
import { createOffsetStore, OFFSETS_DIR } from './offset-store.js'
import { createPartitionLog, type AppendRecord, type PartitionLog } from './partition-log.js'
import {
  DEFAULT_RETENTION_MS,
  readTopicMetaSync,
  topicMetaFromSpec,
  validateTopicSpec,
  writeTopicMeta,
  type TopicMeta,
} from './topic-meta.js'

export interface LocalBusOptions {
  /** Data directory; created if missing. */
  dir: string
  /** Size at which a partition rolls to a new segment file. Default 64 MiB. */
  segmentBytes?: number
  /**
   * Age of its first record at which a segment rolls even if not full (checked at append and at
   * each retention pass), so that retention can delete it. Default one day. Compacted topics
   * never roll by age.
   */
  segmentMs?: number
  /**
   * Extra time a flush waits to gather more records when the partition is idle. Default 0: records
   * produced in the same tick, or while the previous durable write runs, share one flush anyway.
   */
  groupCommitMs?: number
  /** How often retention runs (it also runs at open). Default one minute. */
  retentionCheckMs?: number
  /** Back-off before redelivering a batch whose handler rejected. Default 200 ms doubling to 10 s. */
  retryBackoff?: Partial<RetryBackoff>
  /** After a failed write, how often a probe checks whether writes succeed again. Default 1 s. */
  recoveryProbeMs?: number
  /** The segment files' I/O layer, for fault-injection tests (createFaultFileOps). Default node:fs. */
  fileOps?: LogFileOps
  log?: LocalBusLogger
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
export const DEFAULT_SEGMENT_MS = 24 * 60 * 60 * 1000

interface Topic {
  meta: TopicMeta
  partitions: PartitionLog[]
  partitioner: Partitioner
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function positiveInteger(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`)
  return value
}

/**
 * Opens (and recovers) the log in `options.dir` synchronously, then serves it asynchronously.
 * Throws SIL_BUS_UNAVAILABLE if another live process has the directory open.
 */
export function createLocalBus(options: LocalBusOptions): Bus {
  const dir = path.resolve(options.dir)
  const segmentBytes = positiveInteger('segmentBytes', options.segmentBytes, DEFAULT_SEGMENT_BYTES, 1)
  const segmentMs = positiveInteger('segmentMs', options.segmentMs, DEFAULT_SEGMENT_MS, 1)
  const groupCommitMs = positiveInteger('groupCommitMs', options.groupCommitMs, 0, 0)
  const retentionCheckMs = positiveInteger('retentionCheckMs', options.retentionCheckMs, 60_000, 1)
  const recoveryProbeMs = positiveInteger('recoveryProbeMs', options.recoveryProbeMs, 1_000, 1)
  const backoff: RetryBackoff = Object.freeze({
    initialMs: positiveInteger('retryBackoff.initialMs', options.retryBackoff?.initialMs, 200, 1),
    maxMs: positiveInteger('retryBackoff.maxMs', options.retryBackoff?.maxMs, 10_000, 1),
  })
  const log = normalizeLogger(options.log)

  fs.mkdirSync(dir, { recursive: true })
  const releaseLock = acquireDirLock(dir)

  const topics = new Map<string, Topic>()
  /** Partitions whose writes fail ("topic/partition"): while any does, every produce is refused. */
  const failing = new Map<string, { err: unknown; since: number }>()
  let closed = false
  let closing: Promise<void> | undefined

  function failureError(): BusError {
    const [where, { err }] = failing.entries().next().value!
    return new BusError('SIL_BUS_UNAVAILABLE', `local bus write failed on ${where}: ${errorText(err)}`, {
      cause: err,
    })
  }

  function openPartitions(meta: TopicMeta): PartitionLog[] {
    const partitions: PartitionLog[] = []
    for (let partition = 0; partition < meta.partitions; partition++) {
      const where = `${meta.name}/${partition}`
      partitions.push(
        createPartitionLog({
          topic: meta.name,
          partition,
          dir: path.join(dir, meta.name, String(partition)),
          segmentBytes,
          ...(!meta.compacted && { segmentMs }),
          groupCommitMs,
          log,
          recoveryProbeMs,
          ...(options.fileOps && { fileOps: options.fileOps }),
          onWriteFailure: (err) =>
            failing.set(where, { err, since: failing.get(where)?.since ?? Date.now() }),
          onRecovered: () => failing.delete(where),
        }),
      )
    }
    return partitions
  }

  let offsets
  try {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === OFFSETS_DIR) continue
      const meta = readTopicMetaSync(path.join(dir, entry.name))
      if (!meta) {
        log.warn({ dir: path.join(dir, entry.name) }, 'local bus: ignoring a directory without topic.json')
        continue
      }
      topics.set(meta.name, { meta, partitions: openPartitions(meta), partitioner: createPartitioner() })
    }
    offsets = createOffsetStore(dir, log)
  } catch (err) {
    releaseLock()
    throw err
  }
  const offsetStore = offsets

  // --- retention -------------------------------------------------------------------------------
  let retentionRun: Promise<void> | undefined
  function applyRetention(): Promise<void> {
    retentionRun ??= (async () => {
      for (const topic of topics.values()) {
        if (topic.meta.compacted) continue
        const retentionMs = topic.meta.retentionMs ?? DEFAULT_RETENTION_MS
        for (const partition of topic.partitions) {
          if (closed) return
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
      retentionRun = undefined
    })
    return retentionRun
  }
  void applyRetention()
  const retentionTimer = setInterval(() => void applyRetention(), retentionCheckMs)
  retentionTimer.unref()

  // --- consumers -------------------------------------------------------------------------------
  const consumers = new Map<string, GroupConsumer>()
  const closingConsumers = new Map<string, Promise<void>>()

  // --- topics ----------------------------------------------------------------------------------
  let topicChain: Promise<void> = Promise.resolve()

  async function createTopic(spec: TopicSpec): Promise<void> {
    const existing = topics.get(spec.name)
    if (existing) {
      if (existing.meta.partitions !== spec.partitions) {
        log.warn(
          { topic: spec.name, partitions: existing.meta.partitions, requested: spec.partitions },
          'local bus: topic exists with another partition count; left as it is',
        )
      }
      return
    }
    const meta = topicMetaFromSpec(spec)
    const topicDir = path.join(dir, spec.name)
    await fsp.mkdir(topicDir, { recursive: true })
    const partitions = openPartitions(meta)
    try {
      await fsyncDir(topicDir)
      await writeTopicMeta(topicDir, meta)
      await fsyncDir(dir)
    } catch (err) {
      await Promise.allSettled(partitions.map((p) => p.close()))
      throw new BusError('SIL_BUS_UNAVAILABLE', `could not create topic ${spec.name}`, { cause: err })
    }
    topics.set(spec.name, { meta, partitions, partitioner: createPartitioner() })
    log.info({ topic: spec.name, partitions: spec.partitions }, 'local bus: topic created')
  }

  function closedError(): BusError {
    return new BusError('SIL_BUS_CLOSED', 'local bus is closed')
  }

  function topicOf(name: string): Topic {
    const topic = topics.get(name)
    if (!topic) throw new BusError('SIL_BUS_UNKNOWN_TOPIC', `unknown topic ${name}`)
    return topic
  }

  return {
    kind: 'local',

    async ensureTopics(specs: readonly TopicSpec[]) {
      if (closed) throw closedError()
      for (const spec of specs) validateTopicSpec(spec)
      const run = topicChain.then(async () => {
        for (const spec of specs) {
          if (closed) throw closedError()
          await createTopic(spec)
        }
      })
      topicChain = run.catch(() => {})
      await run
    },

    async produce(topicName: string, messages: readonly ProduceMessage[]) {
      if (closed) throw closedError()
      // Refused whole before anything is written: a batch refused here stores none of its events.
      if (failing.size > 0) throw failureError()
      const topic = topicOf(topicName)
      if (messages.length === 0) return
      const count = topic.partitions.length
      const byPartition: (AppendRecord[] | undefined)[] = new Array<AppendRecord[] | undefined>(count)
      for (const message of messages) {
        if (!(message.value instanceof Uint8Array)) throw new TypeError('message value must be a Buffer')
        const key = message.key === null ? null : Buffer.from(message.key, 'utf8')
        const partition = topic.partitioner(key, count)
        ;(byPartition[partition] ??= []).push({ key, value: message.value, headers: message.headers })
      }
      const timestamp = Date.now()
      const appends: Promise<void>[] = []
      for (let p = 0; p < count; p++) {
        const records = byPartition[p]
        if (records) appends.push(topic.partitions[p]!.append(records, timestamp))
      }
      if (appends.length === 1) await appends[0]
      else await Promise.all(appends)
    },

    async subscribe(subscribeOptions): Promise<Subscription> {
      if (closed) throw closedError()
      const topic = topicOf(subscribeOptions.topic)
      const { group, maxBatchRecords } = subscribeOptions
      if (typeof group !== 'string' || group.length === 0)
        throw new RangeError('group must be a non-empty string')
      if (maxBatchRecords !== undefined && !(Number.isInteger(maxBatchRecords) && maxBatchRecords >= 1)) {
        throw new RangeError('maxBatchRecords must be a positive integer')
      }
      const key = `${group}\u0000${topic.meta.name}`
      // A group whose last member just left finishes its commits before a new member starts.
      for (let previous = closingConsumers.get(key); previous; previous = closingConsumers.get(key))
        await previous
      if (closed) throw closedError()
      let consumer = consumers.get(key)
      if (!consumer) {
        consumer = createGroupConsumer({
          group,
          topic: topic.meta.name,
          partitions: topic.partitions,
          offsets: offsetStore,
          log,
          backoff,
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
      if (closed) throw closedError()
      const topic = topicOf(topicName)
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
      if (failing.size === 0) return { ready: true }
      const since = Math.min(...[...failing.values()].map((f) => f.since))
      const where = [...failing.keys()]
      const [first] = failing.values()
      return {
        ready: false,
        reason:
          `local log write failed on ${where.join(', ')} (${errorText(first!.err)}); produce is refused ` +
          `and a probe retries every ${recoveryProbeMs} ms: the bus heals by itself once writes succeed`,
        since,
      }
    },

    close() {
      closing ??= (async () => {
        closed = true
        clearInterval(retentionTimer)
        await Promise.all([...consumers.values()].map((c) => c.close()))
        consumers.clear()
        await Promise.all(closingConsumers.values())
        await retentionRun
        await topicChain
        await offsetStore.close()
        const partitions = [...topics.values()].flatMap((t) => t.partitions)
        const results = await Promise.allSettled(partitions.map((p) => p.close()))
        releaseLock()
        const failed = results.find((r) => r.status === 'rejected')
        if (failed)
          throw new BusError('SIL_BUS_UNAVAILABLE', 'local bus close failed', { cause: failed.reason })
      })()
      return closing
    },
  }
}
