import { TOPICS, type Batch, type Bus, type ProduceMessage } from '@sillage/bus'
import type { EnrichedEvent } from '@sillage/schemas'
import type { SuppressionList } from '@sillage/identifiers'
import type { Logger } from '@sillage/runtime'
import type { ClickHouseSink, WarningRow } from '../adapters/clickhouse-sink.js'
import { toEventRow, type EventRow } from '../domain/event-row.js'
import type { IdentityRules } from '@sillage/identifiers'
import { encodeEdge } from '../domain/messages.js'
import { hashEventPii } from '@sillage/identifiers'
import type { Stitcher } from '../domain/stitcher.js'
import type { IdentityMetrics } from '../metrics.js'

export interface EventHandlerDeps {
  bus: Bus
  sink: ClickHouseSink
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
 * 2. parse, drop duplicates within the batch and those already stored (event_ids);
 * 3. stitch each event (identifiers, stamp, edge) and hash its emails and phones;
 * 4. produce the edges, then insert warnings and events (deduplication tokens);
 * 5. keep the batch's logins; the bus then commits the offsets.
 * Edges go out before the insert: a stored event's edges are always on identity.edges, so
 * duplicates can be skipped whole; a redelivered batch re-sends them and the resolver ignores
 * source offsets it already applied.
 */
export function createEventHandler(deps: EventHandlerDeps) {
  const { sink, metrics } = deps
  const lastOffsets = new Map<number, number>()
  /** Partitions whose last attempt failed between its first write and its last. */
  const failed = new Set<number>()

  return async function handleBatch(batch: Batch): Promise<void> {
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

    const unique = new Map<string, { event: EnrichedEvent; offset: number }>()
    let from = ''
    let to = ''
    for (const record of batch.records) {
      const event = JSON.parse(record.value.toString('utf8')) as EnrichedEvent
      if (!unique.has(event.messageId)) unique.set(event.messageId, { event, offset: record.offset })
      if (from === '' || event.receivedAt < from) from = event.receivedAt
      if (event.receivedAt > to) to = event.receivedAt
    }
    // After a start, a rebalance or a failed attempt, this batch may have been half-stored: check
    // the events table itself too (see existingMessageIds).
    const suspect = discontinuous || failed.has(batch.partition)
    const existing = await sink.existingMessageIds([...unique.keys()], suspect ? [from, to] : undefined)

    const scope = deps.stitcher.begin(batch.topic, batch.partition)
    const rows: EventRow[] = []
    const edges: ProduceMessage[] = []
    const warnings: WarningRow[] = []
    const edgeKey = `${batch.topic}:${batch.partition}`
    for (const { event, offset } of unique.values()) {
      if (existing.has(event.messageId)) continue
      if (deps.suppressions?.match(event)) continue // an erased person's late event (docs/privacy.md)
      const s = scope.stitch(event, offset)
      rows.push(toEventRow(hashEventPii(deps.rules, event), s.personId))
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
    await sink.insertEvents(rows, token)
    failed.delete(batch.partition)
    if (rows.length > 0) deps.onStored?.(rows)
    scope.commit()
    lastOffsets.set(batch.partition, lastOffset)

    metrics.inserted.inc(rows.length)
    metrics.duplicates.inc(batch.records.length - rows.length)
    metrics.edgesProduced.inc(edges.length)
    for (const w of warnings) metrics.warnings.inc({ code: w.code })
    metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9)
    deps.log.debug(
      {
        partition: batch.partition,
        records: batch.records.length,
        inserted: rows.length,
        edges: edges.length,
      },
      'batch stored',
    )
  }
}
