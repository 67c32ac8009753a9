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
 * taken are given back, and the partition refuses appends. A probe then runs at once and every
 * `recoveryProbeMs`: on a fresh descriptor it truncates the segment back to its durable size (the
 * torn tail: never read, since readers stop at the durable size) and writes PROBE_BYTES of zeros
 * there, then truncates them away. Once that succeeds the partition accepts appends again, with no
 * restart and no acknowledged record lost. A crash mid-probe leaves a zero tail, which recovery at
 * open truncates like any torn tail.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import { BusError } from '../bus.js'
import {
  closeFile,
  fdatasync,
  fsyncDir,
  fsyncDirSync,
  ftruncate,
  isErrnoException,
  NODE_FILE_OPS,
  openFile,
  writeAll,
  type LogFileOps,
} from './durable-fs.js'
import { encodeFrame } from './frame.js'
import type { BusLog } from './logger.js'
import { listSegmentBases, scanSegmentSync, segmentPath } from './segment.js'

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
/** Zeros a recovery probe writes after the durable end: the room a typical flush needs. */
export const PROBE_BYTES = 64 * 1024
const PROBE = Buffer.alloc(PROBE_BYTES)

export interface SegmentInfo {
  readonly baseOffset: number
  readonly file: string
  /** Bytes known to be durable; readers never read past this. */
  readonly durableSize: number
}

interface Segment extends SegmentInfo {
  durableSize: number
  /** Bytes written, durable or not. */
  size: number
}

export interface AppendRecord {
  key: Buffer | null
  value: Uint8Array
  headers?: Readonly<Record<string, string>> | undefined
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

interface Deferred {
  promise: Promise<void>
  resolve: () => void
  reject: (err: unknown) => void
}

function createDeferred(): Deferred {
  let resolve!: () => void
  let reject!: (err: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Waiters attach their own handlers; this keeps an unobserved rejection from crashing the process.
  promise.catch(() => {})
  return { promise, resolve, reject }
}

/** Opens (and recovers) a partition directory synchronously. */
export function createPartitionLog(options: PartitionLogOptions): PartitionLog {
  const { topic, partition, dir, segmentBytes, groupCommitMs, log, recoveryProbeMs } = options
  const ops = options.fileOps ?? NODE_FILE_OPS
  const segmentMs = options.segmentMs ?? Number.POSITIVE_INFINITY
  fs.mkdirSync(dir, { recursive: true })

  let bases = listSegmentBases(dir)
  if (bases.length === 0) {
    fs.closeSync(fs.openSync(segmentPath(dir, 0), 'wx'))
    fsyncDirSync(dir)
    bases = [0]
  }
  const segments: Segment[] = bases.map((baseOffset) => {
    const file = segmentPath(dir, baseOffset)
    const size = fs.statSync(file).size
    return { baseOffset, file, size, durableSize: size }
  })
  const active0 = segments[segments.length - 1]!
  const scan = scanSegmentSync(active0.file, active0.baseOffset)
  let writeFd = fs.openSync(active0.file, APPEND_FLAGS)
  if (scan.validBytes < scan.fileBytes) {
    log.warn(
      {
        topic,
        partition,
        segment: active0.file,
        truncatedBytes: scan.fileBytes - scan.validBytes,
        reason: scan.stopReason,
        nextOffset: scan.nextOffset,
      },
      'local bus: truncated a torn or corrupt tail',
    )
    fs.ftruncateSync(writeFd, scan.validBytes)
  }
  // What survived a crash may still be only in the page cache: make it durable before exposing it.
  fs.fdatasyncSync(writeFd)
  active0.size = active0.durableSize = scan.validBytes

  /** Append time of the active segment's first record; undefined while it is empty. */
  let activeSince = scan.validBytes > 0 ? scan.firstTimestamp : undefined
  let nextOffset = scan.nextOffset
  let highWatermark = scan.nextOffset
  const listeners = new Set<() => void>()

  let queue: Buffer[] = []
  let queueFirstOffset = nextOffset
  let queueDeferred: Deferred | undefined
  let cancelTimer: (() => void) | undefined
  let flushing: Promise<void> | undefined
  /** The last error while the partition refuses appends; undefined when healthy. */
  let failure: unknown
  let probeTimer: NodeJS.Timeout | undefined
  let probing: Promise<void> | undefined
  let closed = false

  const active = (): Segment => segments[segments.length - 1]!

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

  async function writeFrames(frames: Buffer[], firstOffset: number): Promise<void> {
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
    queueDeferred = undefined
    nextOffset = queueFirstOffset = highWatermark
    failure = err
    log.error(
      { topic, partition, err, highWatermark },
      `local bus: ${what} failed; the partition refuses appends until a probe write succeeds`,
    )
    options.onWriteFailure(err)
    scheduleProbe(0)
    return error
  }

  function scheduleProbe(delayMs: number): void {
    if (closed || probeTimer || probing) return
    probeTimer = setTimeout(() => {
      probeTimer = undefined
      probing = probe().finally(() => {
        probing = undefined
        if (failure !== undefined) scheduleProbe(recoveryProbeMs)
      })
    }, delayMs)
    probeTimer.unref()
  }

  /** Cuts the torn tail, then checks that a write of PROBE_BYTES succeeds; see the file comment. */
  async function probe(): Promise<void> {
    const segment = active()
    try {
      // A fresh descriptor: after EIO the old one may go on reporting the error.
      const fd = await openFile(segment.file, APPEND_FLAGS, ops)
      await closeFile(writeFd, ops).catch(() => {})
      writeFd = fd
      await ftruncate(writeFd, segment.durableSize, ops)
      segment.size = segment.durableSize
      await writeAll(writeFd, PROBE, segment.durableSize, ops)
      await ftruncate(writeFd, segment.durableSize, ops)
      // The truncation must be durable before new records take the torn ones' offsets.
      await fdatasync(writeFd, ops)
    } catch (err) {
      if (closed) return
      failure = err
      options.onWriteFailure(err)
      return
    }
    if (closed) return
    failure = undefined
    log.info(
      { topic, partition, highWatermark },
      'local bus: writes succeed again; the partition accepts appends',
    )
    options.onRecovered()
  }

  async function flushLoop(): Promise<void> {
    while (queue.length > 0) {
      const frames = queue
      const deferred = queueDeferred!
      const firstOffset = queueFirstOffset
      queue = []
      queueDeferred = undefined
      queueFirstOffset = nextOffset
      try {
        await writeFrames(frames, firstOffset)
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
      if (failure !== undefined) {
        return Promise.reject(
          new BusError('SIL_BUS_UNAVAILABLE', `local bus partition ${topic}/${partition} failed`, {
            cause: failure,
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
      nextOffset += frames.length
      for (const frame of frames) queue.push(frame)
      queueDeferred ??= createDeferred()
      schedule()
      return queueDeferred.promise
    },

    highWatermark: () => highWatermark,

    startOffset: () => segments[0]!.baseOffset,

    segmentFor(offset) {
      if (offset < segments[0]!.baseOffset) return undefined
      let lo = 0
      let hi = segments.length - 1
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1
        if (segments[mid]!.baseOffset <= offset) lo = mid
        else hi = mid - 1
      }
      return segments[lo]
    },

    onDurable(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    async rollIfAged(now) {
      if (closed || failure !== undefined || flushing || cancelTimer) return false
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

    async deleteExpiredSegments(retentionMs, now) {
      let deleted = 0
      while (segments.length > 1) {
        const oldest = segments[0]!
        let mtimeMs: number
        try {
          mtimeMs = (await fsp.stat(oldest.file)).mtimeMs
        } catch (err) {
          if (!isErrnoException(err, 'ENOENT')) throw err
          mtimeMs = 0
        }
        if (now - mtimeMs <= retentionMs || segments[0] !== oldest) break
        segments.shift()
        await fsp.rm(oldest.file, { force: true })
        deleted++
      }
      if (deleted > 0) {
        await fsyncDir(dir)
        log.info(
          { topic, partition, deleted, startOffset: segments[0]!.baseOffset },
          'local bus: retention deleted segments',
        )
      }
      return deleted
    },

    async close() {
      if (closed) return
      closed = true
      clearTimeout(probeTimer)
      probeTimer = undefined
      await probing
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
