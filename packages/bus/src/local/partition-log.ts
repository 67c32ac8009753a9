/**
 * One partition of a topic: its segments, the append path with group commit, recovery at open,
 * and time-based deletion of closed segments.
 *
 * Group commit: `append` encodes the records, gives them offsets and queues them. One flush at a
 * time writes everything queued (one durable write per segment file touched: see APPEND_FLAGS)
 * and then resolves every waiter at once; records queued meanwhile form the next flush. A
 * segment's writes are durable before the next segment is created, so only the last segment can
 * have a torn tail.
 *
 * The high watermark (offset after the last durable record) and each segment's durable size are
 * updated together, once the write is durable; readers never look past them.
 *
 * Healing: when a write fails (ENOSPC, EIO), what it was writing is rejected, the offsets it had
 * taken are given back, and the partition refuses appends until a probe write succeeds
 * (partition-heal.ts).
 */
import fs from 'node:fs'
import { BusError } from '../bus.js'
import { closeFile, fdatasync, fsyncDir, NODE_FILE_OPS, openFile, writeAll } from './durable-fs.js'
import { encodeFrame } from './frame.js'
import { createPartitionHealer } from './partition-heal.js'
import { createDeferred, deleteExpiredSegments, openPartitionDir, type Deferred } from './partition-files.js'
import type { PartitionLog, PartitionLogOptions, Segment } from './partition-log-types.js'
import { segmentContaining, segmentPath } from './segment.js'
import { createTailCache, locateEntries, tailEntryOf, type TailEntry } from './tail-cache.js'

export type { AppendRecord, PartitionLog, PartitionLogOptions, SegmentInfo } from './partition-log-types.js'
export { PROBE_BYTES } from './partition-heal.js'

/**
 * Segments are written through O_DSYNC where the platform has it (Linux, macOS): a write returns
 * once its data, and the file size that makes it readable, are on stable storage, as write +
 * fdatasync would, in one system call and one trip to the thread pool instead of two (+10–40%
 * produce throughput here). Elsewhere each write is followed by fdatasync.
 */
const { O_RDWR, O_WRONLY, O_CREAT, O_TRUNC } = fs.constants
const O_DSYNC: number | undefined = fs.constants.O_DSYNC
const APPEND_FLAGS = O_RDWR | (O_DSYNC ?? 0)
/**
 * O_TRUNC, not O_EXCL: a segment file whose base offset is not in the partition's list can only be
 * the empty leftover of a roll that failed (disk full) and is being retried.
 */
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_TRUNC | (O_DSYNC ?? 0)

/** Opens (and recovers) a partition directory synchronously. */
export function createPartitionLog(options: PartitionLogOptions): PartitionLog {
  const { topic, partition, dir, segmentBytes, groupCommitMs, log, recoveryProbeMs } = options
  const ops = options.fileOps ?? NODE_FILE_OPS
  const segmentMs = options.segmentMs ?? Number.POSITIVE_INFINITY
  const { segments, scan, fd } = openPartitionDir({ topic, partition, dir, log, appendFlags: APPEND_FLAGS })
  let writeFd = fd

  /** Append time of the active segment's first record; undefined while it is empty. */
  let activeSince = scan.validBytes > 0 ? scan.firstTimestamp : undefined
  let nextOffset = scan.nextOffset
  let highWatermark = scan.nextOffset
  const listeners = new Set<() => void>()

  let queue: Buffer[] = []
  /** The queued frames' tail entries, in the same order (tail-cache.ts). */
  let queueEntries: TailEntry[] = []
  const tail = createTailCache(options.tailBytes)
  let queueFirstOffset = nextOffset
  let queueDeferred: Deferred | undefined
  let cancelTimer: (() => void) | undefined
  let flushing: Promise<void> | undefined
  let closed = false

  const active = (): Segment => segments[segments.length - 1]!
  const healer = createPartitionHealer({
    topic,
    partition,
    log,
    ops,
    appendFlags: APPEND_FLAGS,
    recoveryProbeMs,
    active,
    fd: { get: () => writeFd, set: (fd) => (writeFd = fd) },
    highWatermark: () => highWatermark,
    onWriteFailure: options.onWriteFailure,
    onRecovered: options.onRecovered,
  })

  function notify(): void {
    for (const listener of listeners) listener()
  }

  async function roll(baseOffset: number): Promise<Segment> {
    if (baseOffset <= active().baseOffset) throw new Error(`roll at ${baseOffset} would overwrite a segment`)
    const file = segmentPath(dir, baseOffset)
    const fd = await openFile(file, CREATE_FLAGS, ops)
    try {
      await fsyncDir(dir)
    } catch (err) {
      await closeFile(fd, ops).catch(() => {})
      throw err
    }
    const previous = writeFd
    writeFd = fd
    const segment: Segment = { baseOffset, file, size: 0, durableSize: 0 }
    segments.push(segment)
    activeSince = undefined
    await closeFile(previous, ops)
    return segment
  }

  async function writeFrames(frames: Buffer[], entries: TailEntry[], firstOffset: number): Promise<void> {
    let offset = firstOffset
    let i = 0
    const now = Date.now()
    while (i < frames.length) {
      let segment = active()
      const aged = activeSince !== undefined && now - activeSince >= segmentMs
      if (segment.size > 0 && (aged || segment.size + frames[i]!.length > segmentBytes))
        segment = await roll(offset)
      activeSince ??= now
      let end = i
      let bytes = 0
      while (
        end < frames.length &&
        (end === i || segment.size + bytes + frames[end]!.length <= segmentBytes)
      ) {
        bytes += frames[end]!.length
        end++
      }
      const chunk = end - i === 1 ? frames[i]! : Buffer.concat(frames.slice(i, end), bytes)
      await writeAll(writeFd, chunk, segment.size, ops)
      locateEntries(entries, frames, i, end, segment.baseOffset, segment.size)
      segment.size += bytes
      if (O_DSYNC === undefined) await fdatasync(writeFd, ops)
      offset += end - i
      segment.durableSize = segment.size
      highWatermark = offset
      notify()
      i = end
    }
  }

  /**
   * A write or roll failed: rejects what is queued, gives its offsets back (nothing past the high
   * watermark was acknowledged), refuses appends and starts probing.
   */
  function fail(err: unknown, what: string): BusError {
    const error = new BusError('SIL_BUS_UNAVAILABLE', `local bus ${what} failed on ${topic}/${partition}`, {
      cause: err,
    })
    queueDeferred?.reject(error)
    queue = []
    queueEntries = []
    tail.dropFrom(highWatermark)
    queueDeferred = undefined
    nextOffset = queueFirstOffset = highWatermark
    log.error(
      { topic, partition, err, highWatermark },
      `local bus: ${what} failed; the partition refuses appends until a probe write succeeds`,
    )
    healer.failed(err)
    return error
  }

  async function flushLoop(): Promise<void> {
    while (queue.length > 0) {
      const frames = queue
      const entries = queueEntries
      const deferred = queueDeferred!
      const firstOffset = queueFirstOffset
      queue = []
      queueEntries = []
      queueDeferred = undefined
      queueFirstOffset = nextOffset
      try {
        await writeFrames(frames, entries, firstOffset)
        deferred.resolve()
      } catch (err) {
        deferred.reject(fail(err, 'write'))
      }
    }
  }

  function startFlush(): void {
    cancelTimer = undefined
    flushing = flushLoop().finally(() => {
      flushing = undefined
      if (queue.length > 0 && !closed) schedule()
    })
  }

  function schedule(): void {
    if (flushing || cancelTimer) return
    if (groupCommitMs > 0) {
      const timeout = setTimeout(startFlush, groupCommitMs)
      cancelTimer = () => clearTimeout(timeout)
    } else {
      const immediate = setImmediate(startFlush)
      cancelTimer = () => clearImmediate(immediate)
    }
  }

  return {
    topic,
    partition,

    append(records, timestamp) {
      if (closed) return Promise.reject(new BusError('SIL_BUS_CLOSED', 'local bus is closed'))
      if (healer.failure !== undefined) {
        return Promise.reject(
          new BusError('SIL_BUS_UNAVAILABLE', `local bus partition ${topic}/${partition} failed`, {
            cause: healer.failure,
          }),
        )
      }
      if (records.length === 0) return Promise.resolve()
      // Encode everything first: a record that cannot be encoded rejects the call with nothing queued.
      const frames = records.map((record, i) =>
        encodeFrame({
          offset: nextOffset + i,
          timestamp,
          key: record.key,
          headers: record.headers,
          value: record.value,
        }),
      )
      if (queue.length === 0) queueFirstOffset = nextOffset
      for (let i = 0; i < frames.length; i++) {
        queue.push(frames[i]!)
        // Without a tail (the default) no entry is built: nothing would read it.
        if (!tail.keeps) continue
        const entry = tailEntryOf(frames[i]!, records[i]!, nextOffset + i, timestamp)
        queueEntries.push(entry)
        tail.add(entry)
      }
      nextOffset += frames.length
      queueDeferred ??= createDeferred()
      schedule()
      return queueDeferred.promise
    },

    highWatermark: () => highWatermark,

    readTail: (fromOffset, maxRecords, maxBytes) =>
      tail.read(fromOffset, highWatermark, maxRecords, maxBytes),

    durableBytesFrom: (fromOffset) => tail.bytesBetween(fromOffset, highWatermark),

    startOffset: () => segments[0]!.baseOffset,

    segmentFor: (offset) => segmentContaining(segments, offset),

    onDurable(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    async rollIfAged(now) {
      if (closed || healer.failure !== undefined || flushing || cancelTimer) return false
      if (active().size === 0 || activeSince === undefined || now - activeSince < segmentMs) return false
      // Holds the flush slot: appends meanwhile queue up and are flushed, into the new segment, after.
      const rolling = roll(highWatermark).then(
        () => true,
        (err: unknown) => {
          fail(err, 'segment roll')
          return false
        },
      )
      flushing = rolling.then(() => {
        flushing = undefined
        if (queue.length > 0 && !closed) schedule()
      })
      return rolling
    },

    deleteExpiredSegments: (retentionMs, now) =>
      deleteExpiredSegments({ segments, dir, log, topic, partition }, retentionMs, now),

    async close() {
      if (closed) return
      closed = true
      await healer.close()
      if (cancelTimer) {
        cancelTimer()
        startFlush()
      }
      await flushing
      // Appends that arrived during a roll are still queued: flush them now.
      if (queue.length > 0) {
        startFlush()
        await flushing
      }
      listeners.clear()
      await closeFile(writeFd, ops)
    },
  }
}
