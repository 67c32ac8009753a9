/**
 * The types of one partition of the local log (partition-log.ts): its segments, its options and
 * the interface the bus and the group consumers use.
 */
import type { LogFileOps } from './durable-fs.js'
import type { BusLog } from './logger.js'
import type { TailRead } from './tail-cache.js'

export interface SegmentInfo {
  readonly baseOffset: number
  readonly file: string
  /** Bytes known to be durable; readers never read past this. */
  readonly durableSize: number
}

export interface Segment extends SegmentInfo {
  durableSize: number
  /** Bytes written, durable or not. */
  size: number
}

export interface AppendRecord {
  key: Buffer | null
  value: Uint8Array
  headers?: Readonly<Record<string, string>> | undefined
  /** The producer's parsed value (ProduceMessage.parsed), kept with the record in the tail. */
  parsed?: unknown
}

export interface PartitionLogOptions {
  topic: string
  partition: number
  dir: string
  segmentBytes: number
  /**
   * Age of its first record at which the active segment rolls (at the next append, or at the
   * retention pass when the partition is idle), so that retention can delete it: a record is gone
   * at most segmentMs + retentionMs (+ one retention check) after it was written.
   */
  segmentMs?: number
  groupCommitMs: number
  log: BusLog
  /** Called when a durable write fails; the partition then refuses appends until a probe succeeds. */
  onWriteFailure: (err: unknown) => void
  /** Called when a probe succeeded after a failure: the partition accepts appends again. */
  onRecovered: () => void
  /** Delay between recovery probes while writes fail. */
  recoveryProbeMs: number
  /** Value bytes of the newest records kept in memory for consumers (tail-cache.ts). Default 4 MiB. */
  tailBytes?: number
  /** The file layer of the append path; tests inject faults here. Default node:fs. */
  fileOps?: LogFileOps
}

export interface PartitionLog {
  readonly topic: string
  readonly partition: number
  /** Resolves once every record is durable. */
  append(records: readonly AppendRecord[], timestamp: number): Promise<void>
  /** Offset after the last durable record. */
  highWatermark(): number
  /**
   * Durable records from `fromOffset` on, from memory (tail-cache.ts); undefined when they are no
   * longer (or not yet) held there, and the segment files must be read.
   */
  readTail(fromOffset: number, maxRecords: number, maxBytes: number): TailRead | undefined
  /** Value bytes of the durable records from `fromOffset` on; undefined when memory does not hold them all. */
  durableBytesFrom(fromOffset: number): number | undefined
  /** Offset of the first record still on disk. */
  startOffset(): number
  /** The segment holding `offset`, or undefined when it was deleted (offset < startOffset). */
  segmentFor(offset: number): SegmentInfo | undefined
  /** Calls `listener` each time the high watermark moves; returns the unsubscribe function. */
  onDurable(listener: () => void): () => void
  /**
   * Rolls the active segment when its first record is older than segmentMs and the partition is
   * idle (nothing queued or being written); true when it rolled.
   */
  rollIfAged(now: number): Promise<boolean>
  /** Deletes closed segments last modified more than `retentionMs` ago; returns how many. */
  deleteExpiredSegments(retentionMs: number, now: number): Promise<number>
  /** Flushes what is queued and closes the file; later appends reject. */
  close(): Promise<void>
}
