import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs'
import type { Batch, BusRecord, SubscribeOptions, Subscription } from '../bus.js'
import type { KafkaBusLogger } from './kafka-log.js'

export const DEFAULT_MAX_BATCH_RECORDS = 500
/** Redelivery back-off after a handler rejection: doubles from the first to the cap. */
const REDELIVERY_BACKOFF_MS = { first: 200, max: 10_000 }
/** How often a long handler call or a back-off sends heartbeats (kafkajs throttles to its interval). */
const HEARTBEAT_TICK_MS = 1_000
const EMPTY = Buffer.alloc(0)

/**
 * Runs one subscription on its own consumer (already connected and subscribed):
 * - records go to the handler in offset order, at most maxBatchRecords at a time; the batches of
 *   up to concurrentPartitions partitions at the same time (one fetch's, kafkajs's workers);
 * - a chunk's offset is resolved and committed only after the handler resolved;
 * - a rejected chunk is handed again after a back-off, never skipped and never committed;
 * - heartbeats continue while the handler runs or waits, so a slow batch is not a dead member.
 */
export async function runSubscription(
  consumer: Consumer,
  options: SubscribeOptions,
  log: KafkaBusLogger,
): Promise<Subscription> {
  const maxRecords = options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS
  if (!Number.isInteger(maxRecords) || maxRecords < 1) {
    throw new RangeError(`maxBatchRecords must be a positive integer, got ${maxRecords}`)
  }
  const concurrent = options.concurrentPartitions ?? 1
  if (!Number.isInteger(concurrent) || concurrent < 1) {
    throw new RangeError(`concurrentPartitions must be a positive integer, got ${concurrent}`)
  }
  const context = { topic: options.topic, group: options.group }
  const commit = options.commit !== false

  const deliver = async (batch: Batch, payload: EachBatchPayload): Promise<boolean> => {
    for (let attempt = 0; ; attempt++) {
      const heartbeats = keepAlive(payload)
      try {
        await options.eachBatch(batch)
        return true
      } catch (err) {
        reportHandlerError(err, batch, attempt)
      } finally {
        heartbeats.stop()
      }
      const delay = Math.min(REDELIVERY_BACKOFF_MS.first * 2 ** attempt, REDELIVERY_BACKOFF_MS.max)
      if (!(await pause(delay, payload))) return false
    }
  }

  const reportHandlerError = (err: unknown, batch: Batch, attempt: number): void => {
    const first = batch.records[0]?.offset
    log.warn(
      {
        ...context,
        err,
        partition: batch.partition,
        firstOffset: first,
        records: batch.records.length,
        attempt,
      },
      'bus handler rejected a batch; it will be delivered again',
    )
    if (!options.onError) return
    try {
      options.onError(err, batch)
    } catch (hookErr) {
      log.error({ ...context, err: hookErr }, 'bus onError hook threw')
    }
  }

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload
    const { topic, partition, messages } = batch
    for (let start = 0; start < messages.length; start += maxRecords) {
      if (!payload.isRunning() || payload.isStale()) return
      const chunk = messages.slice(start, start + maxRecords)
      const records = chunk.map((m) => toRecord(topic, partition, m))
      if (!(await deliver({ topic, partition, records }, payload))) return
      const isLast = start + maxRecords >= messages.length
      // On the last chunk kafkajs resolves up to batch.lastOffset() (past any control records).
      const lastOffset = isLast ? batch.lastOffset() : (chunk[chunk.length - 1] as KafkaMessage).offset
      payload.resolveOffset((chunk[chunk.length - 1] as KafkaMessage).offset)
      if (commit) {
        await payload.commitOffsetsIfNecessary({
          topics: [{ topic, partitions: [{ partition, offset: (BigInt(lastOffset) + 1n).toString() }] }],
        })
      }
      // Throws when the group is rebalancing: kafkajs then re-joins, after this chunk's commit.
      await payload.heartbeat()
    }
  }

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    log.info({ ...context, assignment: payload.memberAssignment }, 'kafka consumer joined its group')
  })
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const msg = payload.restart
      ? 'kafka consumer crashed; restarting'
      : 'kafka consumer crashed and will not restart'
    log.error({ ...context, err: payload.error }, msg)
  })

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: concurrent,
    eachBatch,
  })

  let stopping: Promise<void> | undefined
  return {
    // kafkajs's disconnect stops fetching, waits for the in-flight eachBatch (which commits what
    // its handler finished and abandons a back-off), then leaves the group so others rebalance.
    stop: () => (stopping ??= consumer.disconnect()),
  }
}

function toRecord(topic: string, partition: number, m: KafkaMessage): BusRecord {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key === null ? null : m.key.toString('utf8'),
    value: m.value ?? EMPTY,
    timestamp: Number(m.timestamp),
    headers: toHeaders(m.headers),
  }
}

function toHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (!headers) return out
  for (const [name, value] of Object.entries(headers)) {
    // Repeated headers: the last one wins, like Java's Headers.lastHeader.
    const last = Array.isArray(value) ? value[value.length - 1] : value
    if (last !== undefined) out[name] = last.toString()
  }
  return out
}

/** Heartbeats in the background while a handler runs; failures surface at the next commit. */
function keepAlive(payload: EachBatchPayload): { stop(): void } {
  const timer = setInterval(() => {
    payload.heartbeat().catch(() => {})
  }, HEARTBEAT_TICK_MS)
  return { stop: () => clearInterval(timer) }
}

/** Waits `ms`, heartbeating; false as soon as the consumer stops or the partition was revoked. */
async function pause(ms: number, payload: EachBatchPayload): Promise<boolean> {
  const until = Date.now() + ms
  let nextBeat = Date.now() + HEARTBEAT_TICK_MS
  while (Date.now() < until) {
    if (!payload.isRunning() || payload.isStale()) return false
    await sleep(Math.min(100, until - Date.now()))
    if (Date.now() >= nextBeat) {
      await payload.heartbeat() // a rebalance throws here: kafkajs re-joins, nothing was committed
      nextBeat = Date.now() + HEARTBEAT_TICK_MS
    }
  }
  return payload.isRunning() && !payload.isStale()
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}
