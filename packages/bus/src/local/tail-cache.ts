/**
 * The newest records of one partition, kept in memory after their append, so that a consumer
 * that keeps up reads them from here instead of from the segment file. Kafka serves a caught-up
 * consumer from the page cache; here the read, the checksum and the frame decoding are skipped
 * too, and the consumer gets the producer's parsed value (`parsed`), so a process that produced
 * an event need not parse it again to consume it (issue 17, "parse each event once").
 *
 * - Values are views into the frames the log wrote: the log's own copies, never the producer's
 *   buffers, which it may reuse once `produce` resolved.
 * - An entry is served only below the high watermark, so only durable records are read; entries
 *   whose write failed are dropped with the offsets they had taken (`dropFrom`).
 * - Bounded by value bytes: the oldest entries go first, and a consumer further behind reads the
 *   files as before. Pure (no I/O).
 */
import type { DecodedRecord } from './frame.js'
import type { AppendRecord } from './partition-log-types.js'

export interface TailRecord extends DecodedRecord {
  /**
   * The producer's parsed value, read-only: what JSON.parse of `value` would give. Handed to the
   * one consumer that takes it (SubscribeOptions.takeParsed), then forgotten: it is held only
   * until that consumer read the record, never for the whole tail (the objects are garbage the
   * collector would otherwise have to keep tracing).
   */
  parsed?: unknown
}

export interface TailEntry extends TailRecord {
  /** Value bytes added to the tail up to this entry, itself included (set by `add`). */
  total: number
  /** The segment the record was written to, and the byte position after its frame: set once written. */
  segmentBase: number
  endPosition: number
}

export interface TailRead {
  records: TailRecord[]
  /** Where the next record starts on disk: after the last record returned. */
  segmentBase: number
  position: number
}

export interface TailCache {
  add(entry: TailEntry): void
  /** Records from `fromOffset` up to (not including) `toOffset`; undefined when it is not held. */
  read(fromOffset: number, toOffset: number, maxRecords: number, maxBytes: number): TailRead | undefined
  /** Value bytes from `fromOffset` up to `toOffset`; undefined when `fromOffset` is not held. */
  bytesBetween(fromOffset: number, toOffset: number): number | undefined
  /** Forgets `offset` and every later entry (their write failed: the offsets are taken again). */
  dropFrom(offset: number): void
  readonly size: number
  /** False with no bytes to keep: the log then builds no entries at all. */
  readonly keeps: boolean
}

const NO_HEADERS = Object.freeze({}) as Record<string, string>

/** The entry of a record just encoded as `frame`; placed on disk once written (writeFrames). */
export function tailEntryOf(
  frame: Buffer,
  record: AppendRecord,
  offset: number,
  timestamp: number,
): TailEntry {
  const { key, value, headers, parsed } = record
  return {
    offset,
    timestamp: Math.max(0, Math.trunc(timestamp)), // as the frame stores it
    key: key === null ? null : key.toString('utf8'),
    headers: headers === undefined ? NO_HEADERS : (Object.freeze({ ...headers }) as Record<string, string>),
    // A view into the frame (its last bytes are the value): the log's copy, not the producer's.
    value: frame.subarray(frame.length - value.length),
    ...(parsed === undefined ? {} : { parsed }),
    segmentBase: -1,
    endPosition: -1,
    total: 0,
  }
}

/**
 * Where frames `from`..`to` (exclusive) of a write went: their entries (the same indices; none when
 * the tail keeps nothing) learn their segment and the end position of each frame in it.
 */
export function locateEntries(
  entries: readonly TailEntry[],
  frames: readonly Buffer[],
  from: number,
  to: number,
  segmentBase: number,
  startPosition: number,
): void {
  if (entries.length === 0) return
  for (let k = from, position = startPosition; k < to; k++) {
    position += frames[k]!.length
    entries[k]!.segmentBase = segmentBase
    entries[k]!.endPosition = position
  }
}

/**
 * Off by default: an entry per record costs the producer. `npx -y pnpm@10.34.8 bench:collector` (the collector
 * alone, nothing consuming; 2026-12-07): 22,020–24,775 events/s and p99 128–175 ms at half load
 * with 8 MiB per partition, 24,530 and p99 89 ms with 1 MiB, 31,645 and p99 27 ms without.
 */
export const DEFAULT_TAIL_BYTES = 0

/**
 * For a process whose consumer reads what it produces (`sillage start`: identity): there it pays.
 * `npx -y pnpm@10.34.8 bench:embedded` without it: identity's freshness p95 4.9–6.9 s against 2.1–2.4 s, the
 * main thread 72–88 µs per event against 64–68. Per partition: identity's largest batch.
 */
export const IN_PROCESS_TAIL_BYTES = 8 * 1024 * 1024

export function createTailCache(maxBytes = DEFAULT_TAIL_BYTES): TailCache {
  let entries: (TailEntry | undefined)[] = []
  let head = 0
  let bytes = 0
  let total = 0
  const first = (): TailEntry | undefined => entries[head]
  const at = (offset: number): TailEntry | undefined => {
    const oldest = first()
    return oldest === undefined || offset < oldest.offset
      ? undefined
      : entries[head + (offset - oldest.offset)]
  }
  function dropFrom(offset: number): void {
    while (entries.length > head && entries[entries.length - 1]!.offset >= offset) {
      bytes -= entries.pop()!.value.length
    }
    if (entries.length === head) {
      entries = []
      head = 0
      bytes = 0
    }
  }
  return {
    add(entry) {
      const newest = entries[entries.length - 1]
      // Offsets are contiguous in the tail; a gap (never expected) starts it afresh.
      if (newest !== undefined && newest.offset + 1 !== entry.offset) dropFrom(0)
      total += entry.value.length
      entry.total = total
      entries.push(entry)
      bytes += entry.value.length
      while (bytes > maxBytes && head < entries.length) {
        bytes -= entries[head]!.value.length
        entries[head++] = undefined
      }
      if (head > 1024 && head * 2 > entries.length) {
        entries = entries.slice(head)
        head = 0
      }
    },
    read(fromOffset, toOffset, maxRecords, maxBytes) {
      const oldest = first()
      if (oldest === undefined || fromOffset < oldest.offset || fromOffset >= toOffset) return undefined
      let i = head + (fromOffset - oldest.offset)
      const records: TailRecord[] = []
      let read = 0
      let last: TailEntry | undefined
      for (; i < entries.length && records.length < maxRecords && read < maxBytes; i++) {
        const entry = entries[i]!
        if (entry.offset >= toOffset || entry.endPosition < 0) break
        records.push(entry)
        read += entry.value.length
        last = entry
      }
      if (last === undefined) return undefined
      return { records, segmentBase: last.segmentBase, position: last.endPosition }
    },
    bytesBetween(fromOffset, toOffset) {
      if (fromOffset >= toOffset) return 0
      const from = at(fromOffset)
      const last = at(toOffset - 1)
      if (from === undefined || last === undefined) return undefined
      return last.total - from.total + from.value.length
    },
    dropFrom,
    get size() {
      return entries.length - head
    },
    keeps: maxBytes > 0,
  }
}
