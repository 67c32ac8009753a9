/** The local bus's options (local-bus.ts), their defaults, and their validation at creation. */
import type { LogFileOps } from './durable-fs.js'
import type { RetryBackoff } from './group-consumer.js'
import type { LocalBusLogger } from './logger.js'
import { DEFAULT_TAIL_BYTES } from './tail-cache.js'

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
  /**
   * Value bytes of each partition's newest records kept in memory, from which a consumer that keeps
   * up reads (tail-cache.ts). Default 0: every record is read from the files.
   */
  tailBytes?: number
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

/** The numeric options with their defaults applied, checked once at creation. */
export interface LocalBusSettings {
  readonly segmentBytes: number
  readonly segmentMs: number
  readonly groupCommitMs: number
  readonly tailBytes: number
  readonly retentionCheckMs: number
  readonly recoveryProbeMs: number
  readonly backoff: RetryBackoff
}

function positiveInteger(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`)
  return value
}

/** Throws a RangeError naming the first option that is not an integer in its range. */
export function localBusSettings(options: LocalBusOptions): LocalBusSettings {
  return Object.freeze({
    segmentBytes: positiveInteger('segmentBytes', options.segmentBytes, DEFAULT_SEGMENT_BYTES, 1),
    segmentMs: positiveInteger('segmentMs', options.segmentMs, DEFAULT_SEGMENT_MS, 1),
    groupCommitMs: positiveInteger('groupCommitMs', options.groupCommitMs, 0, 0),
    tailBytes: positiveInteger('tailBytes', options.tailBytes, DEFAULT_TAIL_BYTES, 0),
    retentionCheckMs: positiveInteger('retentionCheckMs', options.retentionCheckMs, 60_000, 1),
    recoveryProbeMs: positiveInteger('recoveryProbeMs', options.recoveryProbeMs, 1_000, 1),
    backoff: Object.freeze({
      initialMs: positiveInteger('retryBackoff.initialMs', options.retryBackoff?.initialMs, 200, 1),
      maxMs: positiveInteger('retryBackoff.maxMs', options.retryBackoff?.maxMs, 10_000, 1),
    }),
  })
}
