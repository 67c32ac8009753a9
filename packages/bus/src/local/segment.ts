/**
 * Segment files: `<partitionDir>/<baseOffset, 20 digits>.log`, each a run of frames (see frame.ts)
 * whose offsets start at the base offset and increase by one.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { BusError } from '../bus.js'
import { decodeFrame, LENGTH_BYTES, type DecodedRecord } from './frame.js'

const SEGMENT_RE = /^(\d{20})\.log$/
/** Bytes read per I/O when scanning or fetching; larger frames are read whole. */
export const READ_CHUNK_BYTES = 1024 * 1024

export function segmentFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.log`
}

/** Base offsets of the segments in a partition directory, ascending. */
export function listSegmentBases(partitionDir: string): number[] {
  const bases: number[] = []
  for (const name of fs.readdirSync(partitionDir)) {
    const match = SEGMENT_RE.exec(name)
    if (match) bases.push(Number(match[1]))
  }
  return bases.sort((a, b) => a - b)
}

export interface ScanResult {
  /** Bytes from the start of the file that hold whole, valid, in-sequence frames. */
  validBytes: number
  fileBytes: number
  /** Offset after the last valid frame. */
  nextOffset: number
  /** Why the scan stopped before the end of the file, if it did. */
  stopReason: string | undefined
  /** Append time of the first valid frame; undefined for an empty segment. */
  firstTimestamp?: number | undefined
}

/** Reads a whole segment and finds where its valid frames end (used by recovery). */
export function scanSegmentSync(file: string, baseOffset: number): ScanResult {
  const fd = fs.openSync(file, 'r')
  try {
    let fileBytes = fs.fstatSync(fd).size
    let validBytes = 0
    let nextOffset = baseOffset
    let firstTimestamp: number | undefined
    let want = READ_CHUNK_BYTES
    while (validBytes < fileBytes) {
      const length = Math.min(Math.max(want, READ_CHUNK_BYTES), fileBytes - validBytes)
      const buf = Buffer.allocUnsafe(length)
      const read = fs.readSync(fd, buf, 0, length, validBytes)
      if (read < length) fileBytes = validBytes + read // shrank under us; never loop on a short read
      let pos = 0
      let stop: string | undefined
      want = READ_CHUNK_BYTES
      for (;;) {
        const result = decodeFrame(buf.subarray(0, read), pos)
        if (result.status === 'ok') {
          if (result.record.offset !== nextOffset) {
            stop = `offset ${result.record.offset} where ${nextOffset} was expected`
            break
          }
          firstTimestamp ??= result.record.timestamp
          pos += result.frameBytes
          nextOffset++
          continue
        }
        if (result.status === 'corrupt') {
          stop = result.reason
          break
        }
        const frameBytes = result.frameBytes ?? LENGTH_BYTES
        if (validBytes + pos + frameBytes > fileBytes) stop = 'incomplete frame at end of file'
        else want = frameBytes
        break
      }
      validBytes += pos
      if (stop !== undefined) return { validBytes, fileBytes, nextOffset, stopReason: stop, firstTimestamp }
    }
    return { validBytes, fileBytes, nextOffset, stopReason: undefined, firstTimestamp }
  } finally {
    fs.closeSync(fd)
  }
}

export interface ReadRequest {
  file: string
  /** Byte position of a frame boundary at or before `fromOffset`. */
  position: number
  /** Byte position not to read past (the durable end of the segment). */
  end: number
  /** Records below this offset are skipped (seeking inside a segment). */
  fromOffset: number
  /** Records at or above this offset are not returned (the high watermark). */
  toOffset: number
  maxRecords: number
}

export interface ReadResult {
  records: DecodedRecord[]
  /** Byte position after the last frame consumed (returned or skipped). */
  position: number
  /** Offset after the last frame consumed, or `fromOffset`. */
  nextOffset: number
}

/** Reads records from one segment. Throws ENOENT if the segment was deleted meanwhile. */
export async function readSegment(req: ReadRequest): Promise<ReadResult> {
  const records: DecodedRecord[] = []
  let position = req.position
  let nextOffset = req.fromOffset
  const corrupt = (at: number, reason: string): BusError =>
    new BusError('SIL_BUS_CORRUPT', `corrupt record in ${req.file} at byte ${at}: ${reason}`)
  const handle = await fsp.open(req.file, 'r')
  try {
    let want = READ_CHUNK_BYTES
    let done = false
    while (!done && position < req.end && records.length < req.maxRecords && nextOffset < req.toOffset) {
      const length = Math.min(Math.max(want, READ_CHUNK_BYTES), req.end - position)
      const buf = Buffer.allocUnsafe(length)
      const { bytesRead } = await handle.read(buf, 0, length, position)
      if (bytesRead < length) throw corrupt(position + bytesRead, 'segment is shorter than its durable size')
      let pos = 0
      want = READ_CHUNK_BYTES
      while (records.length < req.maxRecords && pos < buf.length) {
        const result = decodeFrame(buf, pos)
        if (result.status === 'corrupt') throw corrupt(position + pos, result.reason)
        if (result.status === 'incomplete') {
          const need = result.frameBytes ?? LENGTH_BYTES
          if (position + pos + need > req.end) throw corrupt(position + pos, 'frame crosses the durable end')
          want = need
          break
        }
        const offset = result.record.offset
        if (offset >= req.toOffset) {
          done = true
          break
        }
        pos += result.frameBytes
        if (offset >= req.fromOffset) {
          records.push(result.record)
          nextOffset = offset + 1
        }
      }
      position += pos
      // A chunk that yielded records ends this read; one that only skipped keeps seeking.
      if (records.length > 0) break
    }
  } finally {
    await handle.close()
  }
  return { records, position, nextOffset }
}

export function segmentPath(partitionDir: string, baseOffset: number): string {
  return path.join(partitionDir, segmentFileName(baseOffset))
}

/** The segment holding `offset` among `segments` (sorted by base offset), or none before the first. */
export function segmentContaining<T extends { baseOffset: number }>(
  segments: readonly T[],
  offset: number,
): T | undefined {
  if (segments.length === 0 || offset < segments[0]!.baseOffset) return undefined
  let lo = 0
  let hi = segments.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (segments[mid]!.baseOffset <= offset) lo = mid
    else hi = mid - 1
  }
  return segments[lo]
}
