/**
 * The file-level parts of one partition (partition-log.ts): opening and recovering its directory,
 * deleting expired segments, and the deferred a group commit resolves.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import { fsyncDir, fsyncDirSync, isErrnoException } from './durable-fs.js'
import type { BusLog } from './logger.js'
import type { Segment } from './partition-log-types.js'
import { listSegmentBases, scanSegmentSync, segmentPath, type ScanResult } from './segment.js'

export interface Deferred {
  promise: Promise<void>
  resolve: () => void
  reject: (err: unknown) => void
}

export function createDeferred(): Deferred {
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

export interface OpenedPartition {
  segments: Segment[]
  /** The active (last) segment's scan, after its torn tail was cut. */
  scan: ScanResult
  /** Write descriptor of the active segment. */
  fd: number
}

/** Opens (and recovers) a partition directory synchronously: the torn tail of a crash is cut. */
export function openPartitionDir(opts: {
  topic: string
  partition: number
  dir: string
  log: BusLog
  appendFlags: number
}): OpenedPartition {
  const { topic, partition, dir, log } = opts
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
  const writeFd = fs.openSync(active0.file, opts.appendFlags)
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

  return { segments, scan, fd: writeFd }
}

/** Deletes closed segments last modified more than `retentionMs` ago; returns how many. */
export async function deleteExpiredSegments(
  p: { segments: Segment[]; dir: string; log: BusLog; topic: string; partition: number },
  retentionMs: number,
  now: number,
): Promise<number> {
  const { segments, dir, log, topic, partition } = p
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
}
