/**
 * Reads one partition for a group consumer (group-consumer.ts), from its cursor on: the newest
 * records from memory (tail-cache.ts), the others from the segment files, within a member's batch
 * bounds; and, first, Kafka's fetch.min.bytes wait for enough of them to be there.
 */
import { BusError, type BusRecord } from '../bus.js'
import { isErrnoException } from './durable-fs.js'
import type { BusLog } from './logger.js'
import type { PartitionLog } from './partition-log.js'
import { readSegment } from './segment.js'

/** Bound on segment reads per fetch, so an inconsistency can never spin forever. */
const MAX_READS_PER_FETCH = 1000

export interface ReadBounds {
  readonly maxBatchRecords: number
  readonly maxBatchBytes: number
  readonly minBatchBytes: number
  readonly maxBatchWaitMs: number
  readonly takeParsed: boolean
}

/** Where the next record is: its offset, and its segment and byte position when known (-1: not). */
export interface PartitionCursor {
  offset: number
  segmentBase: number
  position: number
}

export interface PartitionReaderOptions {
  topic: string
  group: string
  partitionLog: PartitionLog
  log: BusLog
  /** Moved past every record the reader returns. */
  cursor: PartitionCursor
  /** Resolves after `ms`, or sooner when a durable append wakes the worker. */
  wait: (ms: number) => Promise<void>
  stopping: () => boolean
}

export interface PartitionReader {
  gather(bounds: ReadBounds): Promise<void>
  fetch(bounds: ReadBounds): Promise<BusRecord[]>
}

export function createPartitionReader(options: PartitionReaderOptions): PartitionReader {
  const { topic, group, partitionLog, log, cursor, wait, stopping } = options
  const partition = partitionLog.partition
  /**
   * When the consumer came back for its next batch (the previous one handed over), as a Kafka
   * consumer sends its next fetch: the wait counts from then, not from the first record's arrival.
   */
  let readySince: number | undefined

  /**
   * Kafka's fetch.min.bytes: waits (woken by each durable append) until `minBatchBytes` are past
   * the cursor or `maxBatchWaitMs` went by since the consumer came back for this batch. Nothing
   * there at all: the idle wait of `run` instead. So a busy consumer gathers each batch for up to
   * `maxBatchWaitMs`, and one that waited that long for anything gets the first record at once.
   */
  async function gather({ minBatchBytes, maxBatchWaitMs }: ReadBounds): Promise<void> {
    readySince ??= Date.now()
    if (minBatchBytes <= 1 || maxBatchWaitMs <= 0) return
    const deadline = readySince + maxBatchWaitMs
    while (!stopping()) {
      const there = partitionLog.durableBytesFrom(cursor.offset)
      if (there === undefined || there === 0 || there >= minBatchBytes) return
      const left = deadline - Date.now()
      if (left <= 0) return
      await wait(left)
    }
  }

  /** Reads up to the member's bounds of durable records from the cursor on, across segments. */
  async function fetch({
    maxBatchRecords: maxRecords,
    maxBatchBytes,
    takeParsed,
  }: ReadBounds): Promise<BusRecord[]> {
    const records: BusRecord[] = []
    let bytes = 0
    for (let reads = 0; records.length < maxRecords && bytes < maxBatchBytes; reads++) {
      if (reads === MAX_READS_PER_FETCH) {
        if (records.length > 0) break
        throw new BusError(
          'SIL_BUS_CORRUPT',
          `no progress reading ${topic}/${partition} at offset ${cursor.offset}`,
        )
      }
      const toOffset = partitionLog.highWatermark()
      if (cursor.offset >= toOffset) break
      // A consumer that keeps up reads the newest records from memory (tail-cache.ts).
      const held = partitionLog.readTail(cursor.offset, maxRecords - records.length, maxBatchBytes - bytes)
      if (held) {
        for (const entry of held.records) {
          const { offset, timestamp, key, headers, value } = entry
          const parsed = takeParsed ? entry.parsed : undefined
          if (takeParsed) entry.parsed = undefined
          records.push({
            topic,
            partition,
            offset,
            timestamp,
            key,
            headers,
            value,
            ...(parsed === undefined ? {} : { parsed }),
          })
          bytes += value.length
        }
        cursor.offset = held.records[held.records.length - 1]!.offset + 1
        cursor.segmentBase = held.segmentBase
        cursor.position = held.position
        continue
      }
      const segment = partitionLog.segmentFor(cursor.offset)
      if (!segment) {
        const start = partitionLog.startOffset()
        log.warn(
          { group, topic, partition, from: cursor.offset, to: start },
          'local bus: records deleted by retention were skipped',
        )
        cursor.offset = start
        cursor.segmentBase = -1
        continue
      }
      if (segment.baseOffset !== cursor.segmentBase) {
        cursor.segmentBase = segment.baseOffset
        cursor.position = 0
      }
      if (cursor.position >= segment.durableSize) {
        throw new BusError('SIL_BUS_CORRUPT', `offset ${cursor.offset} is missing from ${segment.file}`)
      }
      let result
      try {
        result = await readSegment({
          file: segment.file,
          position: cursor.position,
          end: segment.durableSize,
          fromOffset: cursor.offset,
          toOffset,
          maxRecords: maxRecords - records.length,
        })
      } catch (err) {
        if (isErrnoException(err, 'ENOENT')) continue // deleted by retention meanwhile
        // The cursor only moved past records in `records`: hand those over, meet the error next time.
        if (records.length > 0) break
        throw err
      }
      cursor.position = result.position
      cursor.offset = result.nextOffset
      for (const record of result.records) {
        records.push({ topic, partition, ...record })
        bytes += record.value.length
      }
    }
    if (records.length > 0) readySince = undefined
    return records
  }

  return { gather, fetch }
}
