/**
 * One consumer group on one topic, inside one process. Each partition has a worker that reads
 * durable records from the segment files, hands them to a member's `eachBatch`, and commits the
 * offset after the batch only once the handler resolved. A rejected batch is kept in memory and
 * redelivered after a back-off, so nothing is skipped. Members of the same group split the
 * partitions (partition i goes to member i mod members); when the last member leaves, the
 * workers stop and the uncommitted work is re-read from disk by the next subscriber.
 */
import type { Batch, BusRecord, SubscribeOptions, Subscription } from '../bus.js'
import type { BusLog } from './logger.js'
import type { OffsetStore } from './offset-store.js'
import type { PartitionLog } from './partition-log.js'
import { createPartitionReader, type ReadBounds } from './partition-reader.js'

export const DEFAULT_MAX_BATCH_RECORDS = 500
/** Workers wake on every durable append; this timer is only a safety net. */
const IDLE_POLL_MS = 2000
/**
 * Default soft cap on the value bytes of one batch (Kafka's max.partition.fetch.bytes). 2 MiB, about
 * 2,500–3,500 events of identity's: measured with `pnpm bench:embedded` (docs/benchmarks.md, round
 * of 2026-12-05), 2 MiB against 1 MiB gives freshness p95 1.8 s instead of 3.4–4.4 s and ~10% less
 * CPU per event (fewer, larger inserts: fewer parts to merge); 4 MiB is no better, 256 KiB worse.
 */
export const DEFAULT_MAX_BATCH_BYTES = 2 * 1024 * 1024

export interface RetryBackoff {
  initialMs: number
  maxMs: number
}

export interface GroupConsumerOptions {
  group: string
  topic: string
  partitions: readonly PartitionLog[]
  offsets: OffsetStore
  log: BusLog
  backoff: RetryBackoff
  /** Called when the last member left, with the promise of the workers' shutdown. */
  onClosing: (closed: Promise<void>) => void
}

export interface GroupConsumer {
  join(options: SubscribeOptions): Subscription
  /** Stops every worker after its in-flight batch; members need not stop first. */
  close(): Promise<void>
}

interface Member extends ReadBounds {
  readonly options: SubscribeOptions
}

interface Worker {
  readonly inFlight: () => Member | undefined
  readonly wake: () => void
  readonly done: Promise<void>
}

export function createGroupConsumer(options: GroupConsumerOptions): GroupConsumer {
  const { group, topic, offsets, log, backoff } = options
  const members: Member[] = []
  let stopping = false
  let closed: Promise<void> | undefined
  const batchSettled = new Set<() => void>()

  const ownerOf = (index: number): Member | undefined =>
    members.length === 0 ? undefined : members[index % members.length]

  function createWorker(partitionLog: PartitionLog, index: number): Worker {
    const partition = partitionLog.partition
    let wakeUp: (() => void) | undefined
    const wake = (): void => wakeUp?.()
    const wait = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        const timeout = setTimeout(done, ms)
        function done(): void {
          clearTimeout(timeout)
          wakeUp = undefined
          resolve()
        }
        wakeUp = done
      })
    const unlisten = partitionLog.onDurable(wake)

    const hw = partitionLog.highWatermark()
    let committed = offsets.get(group, topic, partition) ?? partitionLog.startOffset()
    if (committed > hw) {
      log.warn(
        { group, topic, partition, committed, highWatermark: hw },
        'local bus: committed offset past the log end; resuming at the end',
      )
      committed = hw
    }
    const cursor = { offset: committed, segmentBase: -1, position: 0 }
    let pending: Batch | undefined
    let inFlight: Member | undefined
    let attempt = 0

    const reader = createPartitionReader({
      topic,
      group,
      partitionLog,
      log,
      cursor,
      wait,
      stopping: () => stopping,
    })

    async function pause(ms: number): Promise<void> {
      const deadline = Date.now() + ms
      while (!stopping && Date.now() < deadline) await wait(deadline - Date.now())
    }

    async function run(): Promise<void> {
      while (!stopping) {
        const owner = ownerOf(index)
        if (!owner) {
          await wait(IDLE_POLL_MS)
          continue
        }
        if (!pending) {
          let records: BusRecord[]
          try {
            await reader.gather(owner)
            records = await reader.fetch(owner)
          } catch (err) {
            log.error({ group, topic, partition, err }, 'local bus: fetch failed; retrying')
            await pause(Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt++))
            continue
          }
          if (records.length === 0) {
            if (!stopping && cursor.offset >= partitionLog.highWatermark()) await wait(IDLE_POLL_MS)
            continue
          }
          pending = { topic, partition, records }
          continue // membership may have changed while reading: pick the owner again
        }
        const batch = pending
        inFlight = owner
        let failure: { err: unknown } | undefined
        try {
          await owner.options.eachBatch(batch)
        } catch (err) {
          failure = { err }
        }
        if (!failure && owner.options.commit !== false) {
          try {
            await offsets.commit(group, topic, partition, batch.records[batch.records.length - 1]!.offset + 1)
          } catch (err) {
            failure = { err }
            log.error({ group, topic, partition, err }, 'local bus: offset commit failed; redelivering')
          }
        }
        inFlight = undefined
        for (const settled of batchSettled) settled()
        if (!failure) {
          pending = undefined
          attempt = 0
          continue
        }
        try {
          owner.options.onError?.(failure.err, batch)
        } catch (err) {
          log.warn({ group, topic, partition, err }, 'local bus: onError threw')
        }
        const delayMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt++)
        log.warn(
          { group, topic, partition, records: batch.records.length, attempt, delayMs, err: failure.err },
          'local bus: batch handler failed; redelivering',
        )
        await pause(delayMs)
      }
      unlisten()
    }

    return { inFlight: () => inFlight, wake, done: run() }
  }

  const workers = options.partitions.map(createWorker)

  function wakeAll(): void {
    for (const worker of workers) worker.wake()
  }

  async function waitUntilIdle(member: Member | undefined): Promise<void> {
    const busy = (): boolean =>
      workers.some((w) => w.inFlight() !== undefined && (!member || w.inFlight() === member))
    while (busy()) {
      await new Promise<void>((resolve) => {
        const settled = (): void => {
          batchSettled.delete(settled)
          resolve()
        }
        batchSettled.add(settled)
      })
    }
  }

  function close(): Promise<void> {
    if (!closed) {
      stopping = true
      members.length = 0
      wakeAll()
      closed = Promise.all(workers.map((w) => w.done)).then(() => undefined)
    }
    return closed
  }

  return {
    join(subscribeOptions) {
      const member: Member = {
        options: subscribeOptions,
        maxBatchRecords: subscribeOptions.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS,
        maxBatchBytes: subscribeOptions.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
        minBatchBytes: subscribeOptions.minBatchBytes ?? 0,
        maxBatchWaitMs: subscribeOptions.maxBatchWaitMs ?? 0,
        takeParsed: subscribeOptions.takeParsed === true,
      }
      members.push(member)
      wakeAll()
      let stopped: Promise<void> | undefined
      return {
        stop() {
          stopped ??= (async () => {
            if (stopping) return closed
            const i = members.indexOf(member)
            if (i >= 0) members.splice(i, 1)
            if (members.length === 0) {
              const closing = close()
              options.onClosing(closing)
              await closing
              return
            }
            wakeAll()
            await waitUntilIdle(member)
          })()
          return stopped
        },
      }
    },
    close,
  }
}
