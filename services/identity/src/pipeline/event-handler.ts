import { TOPICS, type Batch, type Bus, type BusRecord, type ProduceMessage } from '@sillage/bus'
import type { EnrichedEvent } from '@sillage/schemas'
import type { SuppressionList } from '@sillage/identifiers'
import type { Logger } from '@sillage/runtime'
import type { MessageKey } from '@sillage/warehouse'
import { engineMessage, isDataError } from '../adapters/clickhouse-errors.js'
import type { ClickHouseSink, WarningRow } from '../adapters/clickhouse-sink.js'
import type { CallGroup, GroupMember } from '../adapters/call-group.js'
import { deadLetterOf } from '../adapters/dead-letter.js'
import type { RefusedRow } from '../adapters/isolating-insert.js'
import { toEventRow, type EventRow } from '../domain/event-row.js'
import type { IdentityRules } from '@sillage/identifiers'
import { encodeEdge } from '../domain/messages.js'
import { hashEventPii } from '@sillage/identifiers'
import type { Stitcher } from '../domain/stitcher.js'
import type { IdentityDeadLetterCode } from '../errors.js'
import type { IdentityMetrics } from '../metrics.js'

export interface EventHandlerDeps {
  bus: Bus
  sink: ClickHouseSink
  /**
   * The dedup reads and the events inserts, each made one for the batches handled at the same time
   * (call-group.ts): `existingMessageIds` without a range, and `insertEvents`.
   */
  dedup: CallGroup<readonly MessageKey[], ReadonlySet<string>>
  inserts: CallGroup<EventBatch, void>
  rules: IdentityRules
  stitcher: Stitcher
  /** Waits until every edge produced so far is decided and in the view (a barrier). */
  sync: () => Promise<void>
  log: Logger
  metrics: IdentityMetrics
  /** Told about the rows ClickHouse acknowledged (the live debugger's person_id). */
  onStored?: ((rows: readonly EventRow[]) => void) | undefined
  /** Erased identifiers (docs/privacy.md): a matching event is dropped, unstored and unstitched. */
  suppressions?: SuppressionList | undefined
}

/**
 * The events.raw batch handler, a pipeline of small steps:
 * 1. when the partition's offsets do not follow the last batch this instance handled (start, or
 *    another instance had it), forget local logins and wait for the resolver (barrier);
 * 2. parse, drop duplicates within the batch and those already stored (message_ids);
 * 3. stitch each event (identifiers, stamp, edge) and hash its emails and phones;
 * 4. produce the edges, then insert warnings and events (deduplication tokens; the events of
 *    batches of other partitions handled at the same time go in the same insert);
 * 5. dead-letter to events.invalid what cannot be stored: records that are not enriched events,
 *    and rows ClickHouse refuses on their own (a data error: the insert is bisected to find them);
 * 6. keep the batch's logins; the bus then commits the offsets.
 * An infrastructure error (connection, timeout, too many parts) fails the batch instead: it is
 * redelivered, nothing is committed. So no record can hold its partition back for good
 * (docs/architecture.md, delivery guarantee 7).
 * Edges go out before the insert: a stored event's edges are always on identity.edges, so
 * duplicates can be skipped whole; a redelivered batch re-sends them and the resolver ignores
 * source offsets it already applied.
 */
type Dict = Record<string, unknown>
/** A batch's rows for the events insert, and its deduplication token. */
export interface EventBatch {
  rows: readonly EventRow[]
  token: string
}

const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)

/** DateTime64's range in ClickHouse: a received_at outside it cannot bound the dedup check. */
const MIN_MS = Date.UTC(1900, 0, 1)
const MAX_MS = Date.UTC(2299, 11, 31)

type Read = { ok: true; event: EnrichedEvent } | { ok: false; payload: unknown; message: string }

/**
 * One events.raw record as an enriched event, or why it is not one. Never throws. The collector's
 * own parsed event is used when the local bus hands it over (BusRecord.parsed): it is what parsing
 * the bytes would give. Nothing here changes an event (hashing copies what it changes).
 */
function readEvent(record: BusRecord): Read {
  let value: unknown = record.parsed
  if (value === undefined) {
    const text = record.value.toString('utf8')
    try {
      value = JSON.parse(text)
    } catch (err) {
      return { ok: false, payload: text, message: `not JSON: ${(err as Error).message}` }
    }
  }
  if (
    !isDict(value) ||
    typeof value['messageId'] !== 'string' ||
    typeof value['type'] !== 'string' ||
    typeof value['receivedAt'] !== 'string'
  ) {
    return { ok: false, payload: value, message: 'not an enriched event (messageId, type, receivedAt)' }
  }
  return { ok: true, event: value as unknown as EnrichedEvent }
}

export function createEventHandler(deps: EventHandlerDeps) {
  const { sink, metrics } = deps
  const lastOffsets = new Map<number, number>()
  /** Partitions whose last attempt failed between its first write and its last. */
  const failed = new Set<number>()

  return async function handleBatch(batch: Batch): Promise<void> {
    // Entered before the first await: the grouped read and insert wait for this batch.
    const dedup = deps.dedup.enter()
    const insert = deps.inserts.enter()
    try {
      await handle(batch, dedup, insert)
    } finally {
      dedup.leave()
      insert.leave()
    }
  }

  async function handle(
    batch: Batch,
    dedup: GroupMember<readonly MessageKey[], ReadonlySet<string>>,
    insert: GroupMember<EventBatch, void>,
  ): Promise<void> {
    const started = process.hrtime.bigint()
    const firstOffset = batch.records[0]?.offset
    const lastOffset = batch.records.at(-1)?.offset
    if (firstOffset === undefined || lastOffset === undefined) return
    const discontinuous = lastOffsets.get(batch.partition) !== firstOffset - 1
    if (discontinuous) {
      deps.stitcher.reset(batch.partition)
      metrics.syncs.inc()
      await deps.sync()
    }

    const letters: ProduceMessage[] = []
    const letterCodes: IdentityDeadLetterCode[] = []
    const deadLetter = (
      record: BusRecord,
      payload: unknown,
      code: IdentityDeadLetterCode,
      message: string,
    ) => {
      letters.push(deadLetterOf(record, payload, { code, message }))
      letterCodes.push(code)
    }
    const unique = new Map<string, { event: EnrichedEvent; record: BusRecord }>()
    let from = Infinity
    let to = -Infinity
    for (const record of batch.records) {
      const read = readEvent(record)
      if (!read.ok) {
        deadLetter(record, read.payload, 'SIL_IDENTITY_UNREADABLE_EVENT', read.message)
        continue
      }
      const { event } = read
      if (!unique.has(event.messageId)) unique.set(event.messageId, { event, record })
      const at = Date.parse(event.receivedAt)
      if (!(at >= MIN_MS && at <= MAX_MS)) continue // such a row is refused by ClickHouse anyway
      if (at < from) from = at
      if (at > to) to = at
    }
    const range: [string, string] | undefined =
      from <= to ? [new Date(from).toISOString(), new Date(to).toISOString()] : undefined
    // After a start, a rebalance or a failed attempt, this batch may have been half-stored: check
    // the events table itself too (see existingMessageIds).
    const suspect = discontinuous || failed.has(batch.partition)
    // A resent event carries the same message id and client timestamp (docs/identity.md, dedup).
    const keys = [...unique.values()].map(({ event }): MessageKey => ({
      messageId: event.messageId,
      originalTimestamp: event.originalTimestamp ?? null,
    }))
    const existing =
      keys.length === 0
        ? new Set<string>()
        : suspect
          ? await sink.existingMessageIds(keys, range)
          : await dedup.call(keys)
    dedup.leave()

    const scope = deps.stitcher.begin(batch.topic, batch.partition)
    const rows: EventRow[] = []
    const origins = new Map<EventRow, { event: EnrichedEvent; record: BusRecord }>()
    const edges: ProduceMessage[] = []
    const warnings: WarningRow[] = []
    const edgeKey = `${batch.topic}:${batch.partition}`
    for (const origin of unique.values()) {
      const { event, record } = origin
      if (existing.has(event.messageId)) continue
      let row: EventRow
      let s: ReturnType<typeof scope.stitch>
      try {
        if (deps.suppressions?.match(event)) continue // an erased person's late event (docs/privacy.md)
        s = scope.stitch(event, record.offset)
        row = toEventRow(hashEventPii(deps.rules, event), s.personId)
      } catch (err) {
        // A shape the schema would have refused (a producer other than the collector).
        deps.log.error({ err, partition: batch.partition, offset: record.offset }, 'event not stitched')
        deadLetter(record, event, 'SIL_IDENTITY_UNREADABLE_EVENT', `not stitched: ${(err as Error).message}`)
        continue
      }
      rows.push(row)
      origins.set(row, origin)
      if (s.edge) edges.push({ key: edgeKey, value: encodeEdge(s.edge) })
      for (const w of s.identity.warnings) {
        warnings.push({
          message_id: event.messageId,
          received_at: event.receivedAt,
          source_id: event.sourceId,
          code: w.code,
          id_type: w.idType,
          detail: w.detail,
        })
      }
    }

    const token = `${batch.topic}:${batch.partition}:${firstOffset}-${lastOffset}`
    failed.add(batch.partition)
    if (edges.length > 0) await deps.bus.produce(TOPICS.edges, edges)
    await sink.insertWarnings(warnings, `${token}:warnings`)
    const unreadable = letters.length
    let refused: RefusedRow<EventRow>[] = []
    try {
      if (rows.length > 0) await insert.call({ rows, token })
    } catch (err) {
      if (!isDataError(err)) throw err
      // A failed insert may have stored its first blocks: leave out what is there, then bisect.
      const stored = range
        ? await sink.existingMessageIds(
            rows.map((r) => ({ messageId: r.message_id, originalTimestamp: r.original_timestamp })),
            range,
          )
        : new Set<string>()
      refused = await sink.isolateEvents(
        rows.filter((r) => !stored.has(r.message_id)),
        token,
      )
    }
    for (const { row, error } of refused) {
      const origin = origins.get(row)
      if (origin) deadLetter(origin.record, origin.event, 'SIL_WAREHOUSE_POISON_ROW', engineMessage(error))
    }
    if (letters.length > 0) await deps.bus.produce(TOPICS.invalid, letters)
    failed.delete(batch.partition)
    const refusedRows = new Set(refused.map((r) => r.row))
    const storedRows = refused.length === 0 ? rows : rows.filter((r) => !refusedRows.has(r))
    if (storedRows.length > 0) deps.onStored?.(storedRows)
    scope.commit()
    lastOffsets.set(batch.partition, lastOffset)

    metrics.inserted.inc(storedRows.length)
    for (const code of letterCodes) metrics.deadLetters.inc({ code })
    metrics.duplicates.inc(batch.records.length - rows.length - unreadable)
    if (refused.length > 0) {
      metrics.poisonRows.inc({ table: 'events', action: 'dead_lettered' }, refused.length)
      deps.log.warn(
        { partition: batch.partition, refused: refused.length, reason: engineMessage(refused[0]?.error) },
        'events refused by ClickHouse were dead-lettered to events.invalid',
      )
    }
    metrics.edgesProduced.inc(edges.length)
    for (const w of warnings) metrics.warnings.inc({ code: w.code })
    metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9)
    deps.log.debug(
      {
        partition: batch.partition,
        records: batch.records.length,
        inserted: storedRows.length,
        edges: edges.length,
        deadLetters: letters.length,
      },
      'batch stored',
    )
  }
}
