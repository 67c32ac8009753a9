import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import type { CollectorSender, SendResult } from './adapters/collector-sender.js'
import { createCheckpointFile } from './adapters/checkpoint.js'
import type { FileReader } from './adapters/file-reader.js'
import { collectorRefusals, type RejectedLine } from './domain/collector-refusals.js'
import { mapRow, type ProductRow } from './domain/map-row.js'
import type { ResolvedMapping } from './domain/mapping.js'
import type { Progress } from './domain/progress.js'
import type { Row } from './domain/values.js'

/** Where catalogue rows go: the versioned `products` table (a later version replaces a product). */
export interface ProductSink {
  write(rows: readonly ProductRow[], version: number): Promise<void>
}

export interface ImportOptions {
  input: string
  /** The file's rows (createFileReader, or createWarehouseFileReader in a process with chDB open); closed at the end. */
  reader: FileReader
  mapping: ResolvedMapping
  /** Receipts and CRM: the collector (validation, dead letters, dedup, stitching). */
  sender?: CollectorSender | undefined
  /** Catalogue: the products table. */
  products?: ProductSink | undefined
  /** Events per collector request (default 500; a request also stays under ~400 KB). */
  batchEvents?: number
  /** Collector requests in flight (default 4); acknowledged in file order for the checkpoint. */
  concurrency?: number
  /** Continue from `<input>.checkpoint.json` when it matches the file (default true). */
  resume?: boolean
  onProgress?: (p: Progress) => void
  /** Milliseconds clock (injected in tests). */
  now?: () => number
}

export interface ImportSummary {
  kind: string
  input: string
  rows: number
  /** Rows skipped because a checkpoint said they were done. */
  resumedFrom: number
  /** Rows mapped and accepted (events acknowledged by the collector, or products written). */
  imported: number
  events: number
  /** Rows refused, by the mapping or by the collector (none of their events stored); listed in `rejectedFile`. */
  refused: number
  /**
   * Rows imported with some of their events refused by the collector (a contact's identify
   * stored, its Consent Updated refused): counted in `imported`, listed in `rejectedFile` with
   * `"partial":true` and the refused events.
   */
  partlyRefused: number
  rejectedFile: string
  elapsedMs: number
}

const MAX_BATCH_BYTES = 400_000

/** A row the reader could not read whole (more fields than the header, not a JSON object). */
const ROW_MALFORMED = 'SIL_IMPORT_ROW_MALFORMED'

/** A resumed run reads the rows after the checkpoint again: their earlier refusals are dropped. */
function keepRejectedUpTo(file: string, rowsDone: number) {
  if (!existsSync(file)) return
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && (JSON.parse(l) as { row: number }).row <= rowsDone)
  writeFileSync(file, kept.map((l) => `${l}\n`).join(''))
}

/**
 * Reads the file with chDB, maps each row, and sends the events to the collector in batches (or
 * writes products), saving a checkpoint of the acknowledged rows (at most once a second, and on a failure). Refused rows are written
 * with their reasons to `<input>.rejected.ndjson`; the run never stops on a bad row.
 */
export async function runImport(opts: ImportOptions): Promise<ImportSummary> {
  const { input, mapping } = opts
  const kind = mapping.kind
  const now = opts.now ?? Date.now
  const started = now()
  const checkpoint = createCheckpointFile(input)
  const rejectedFile = `${input}.rejected.ndjson`
  const skip = opts.resume === false ? 0 : checkpoint.load(kind)
  if (skip === 0) writeFileSync(rejectedFile, '')
  else keepRejectedUpTo(rejectedFile, skip)
  const batchEvents = opts.batchEvents ?? 500
  if (kind === 'catalogue' ? !opts.products : !opts.sender) {
    throw new Error(
      `an import of ${kind} needs ${kind === 'catalogue' ? 'a products sink' : 'a collector sender'}`,
    )
  }

  const reader = opts.reader
  const summary: ImportSummary = {
    kind,
    input,
    rows: 0,
    resumedFrom: skip,
    imported: 0,
    events: 0,
    refused: 0,
    partlyRefused: 0,
    rejectedFile,
    elapsedMs: 0,
  }
  const reject = (lines: RejectedLine[]) => {
    if (lines.length === 0) return
    for (const l of lines) {
      if (l.partial) summary.partlyRefused++
      else summary.refused++
    }
    appendFileSync(rejectedFile, lines.map((l) => JSON.stringify(l)).join('\n') + '\n')
  }

  let events: string[] = []
  let eventRows: number[] = []
  let rowValues = new Map<number, Row>()
  let products: ProductRow[] = []
  let bytes = 0
  let pendingRows = 0
  let rowsDone = skip
  const version = now()

  type Sent = { ok: true; result: SendResult } | { ok: false; err: unknown }
  interface InFlight {
    sent: Promise<Sent>
    events: string[]
    eventRows: number[]
    rowValues: Map<number, Row>
    rows: number
    upTo: number
  }
  const window: InFlight[] = []
  const concurrency = Math.max(1, opts.concurrency ?? 4)
  // At most once a second while batches flow (a rename per batch costs more than the mapping),
  // and always when a batch fails: a resume re-sends at most a second's rows, which add nothing.
  let savedAt = 0
  const saveCheckpoint = (force: boolean) => {
    if (!force && now() - savedAt < 1000) return
    checkpoint.save(kind, rowsDone)
    savedAt = now()
  }

  /** Waits for the oldest batch: batches are settled in file order, so the checkpoint is exact. */
  const settleOldest = async () => {
    const b = window.shift()
    if (!b) return
    const sent = await b.sent
    if (!sent.ok) {
      saveCheckpoint(true)
      throw sent.err
    }
    const { lines, fullyRefused } = collectorRefusals(sent.result.rejected, b)
    reject(lines)
    summary.events += sent.result.accepted
    summary.imported += b.rows - fullyRefused
    rowsDone = b.upTo
    saveCheckpoint(false)
  }

  const flush = async (upTo: number) => {
    if (opts.sender && events.length > 0) {
      window.push({
        sent: opts.sender.send(events).then(
          (result): Sent => ({ ok: true, result }),
          (err: unknown): Sent => ({ ok: false, err }),
        ),
        events,
        eventRows,
        rowValues,
        rows: pendingRows,
        upTo,
      })
      if (window.length >= concurrency) await settleOldest()
    } else {
      while (window.length > 0) await settleOldest()
      if (opts.products && products.length > 0) {
        await opts.products.write(products, version)
        summary.imported += products.length
      }
      rowsDone = upTo
      saveCheckpoint(true)
    }
    events = []
    eventRows = []
    rowValues = new Map()
    products = []
    bytes = 0
    pendingRows = 0
  }

  try {
    const total = await reader.count()
    summary.rows = total
    const report = () =>
      opts.onProgress?.({ done: rowsDone, total, doneThisRun: rowsDone - skip, elapsedMs: now() - started })
    for await (const chunk of reader.chunks(skip)) {
      for (let i = 0; i < chunk.rows.length; i++) {
        const n = chunk.first + i
        const row = chunk.rows[i] as Row
        const malformed = chunk.unreadable?.get(i)
        if (malformed !== undefined) {
          reject([{ row: n + 1, stage: 'reading', code: ROW_MALFORMED, reason: malformed, values: row }])
          continue
        }
        const mapped = mapRow(mapping, row)
        if (!mapped.ok) {
          reject([{ row: n + 1, stage: 'mapping', code: mapped.code, reason: mapped.reason, values: row }])
          continue
        }
        if (mapped.product) {
          products.push(mapped.product)
          if (products.length >= 5000) await flush(n + 1)
          continue
        }
        const serialised = mapped.events.map((e) => JSON.stringify(e))
        const size = serialised.reduce((s, e) => s + e.length + 1, 0)
        if (
          events.length > 0 &&
          (events.length + mapped.events.length > batchEvents || bytes + size > MAX_BATCH_BYTES)
        ) {
          await flush(n)
          report()
        }
        for (const e of serialised) {
          events.push(e)
          eventRows.push(n)
        }
        rowValues.set(n, row)
        bytes += size
        pendingRows++
      }
    }
    await flush(total)
    while (window.length > 0) await settleOldest()
    if (rowsDone < total) {
      rowsDone = total
      saveCheckpoint(true)
    }
    report()
    checkpoint.remove()
  } finally {
    reader.close()
    // A run with nothing refused (this time or before a resume) leaves no empty rejected file,
    // even when it stopped (a file that cannot be read, a collector down).
    if (statSync(rejectedFile, { throwIfNoEntry: false })?.size === 0) rmSync(rejectedFile, { force: true })
  }
  summary.elapsedMs = now() - started
  return summary
}
