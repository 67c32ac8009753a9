import { TOPICS, type Batch, type Bus, type Subscription } from '@sillage/bus'
import type { EnrichedEvent } from '@sillage/schemas'
import type { Logger, Registry } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createClickHouseSink } from '../adapters/clickhouse-sink.js'
import { toEventRow, type EventRow } from '../domain/event-row.js'
import { createResolver, type IdentityRow, type OverrideRow, type Resolver } from '../domain/resolver.js'
import { createIdentityMetrics } from '../metrics.js'

export interface IdentityServiceDeps {
  bus: Bus
  warehouse: Warehouse
  log: Logger
  registry: Registry
  group?: string
  maxBatchRecords?: number
}

/**
 * Consumes events.raw, stamps person_id, deduplicates on messageId and inserts into ClickHouse.
 * The bus commits a batch's offsets only after this handler resolved, i.e. after ClickHouse
 * acknowledged every insert of the batch.
 */
export function createIdentityService(deps: IdentityServiceDeps) {
  const log = deps.log.child({ component: 'identity' })
  const sink = createClickHouseSink(deps.warehouse)
  const metrics = createIdentityMetrics(deps.registry)
  let subscription: Subscription | undefined

  async function handleBatch(resolver: Resolver, batch: Batch): Promise<void> {
    const started = process.hrtime.bigint()
    const unique = new Map<string, EnrichedEvent>()
    for (const record of batch.records) {
      const event = JSON.parse(record.value.toString('utf8')) as EnrichedEvent
      if (!unique.has(event.messageId)) unique.set(event.messageId, event)
    }
    const existing = await sink.existingMessageIds([...unique.keys()])
    const rows: EventRow[] = []
    const identities: IdentityRow[] = []
    const overrides: OverrideRow[] = []
    for (const event of unique.values()) {
      if (existing.has(event.messageId)) continue
      const r = resolver.resolve(event)
      identities.push(...r.identities)
      overrides.push(...r.overrides)
      rows.push(toEventRow(event, r.personId))
    }
    // Identity state first: if we crash after it, the redelivered batch resolves the same way.
    if (identities.length > 0) await sink.insertIdentities(identities)
    if (overrides.length > 0) await sink.insertOverrides(overrides)
    if (rows.length > 0) {
      const first = batch.records[0]?.offset ?? 0
      const last = batch.records.at(-1)?.offset ?? 0
      await sink.insertEvents(rows, `${batch.topic}:${batch.partition}:${first}-${last}`)
    }
    metrics.inserted.inc(rows.length)
    metrics.duplicates.inc(batch.records.length - rows.length)
    metrics.merges.inc(overrides.length)
    metrics.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9)
    log.debug(
      { partition: batch.partition, records: batch.records.length, inserted: rows.length },
      'batch stored',
    )
  }

  return {
    async start(): Promise<void> {
      const resolver = createResolver(await sink.loadAnonymousLinks())
      subscription = await deps.bus.subscribe({
        topic: TOPICS.raw,
        group: deps.group ?? 'identity',
        maxBatchRecords: deps.maxBatchRecords ?? 5000,
        eachBatch: (batch) => handleBatch(resolver, batch),
        onError: (err, batch) => {
          metrics.batchErrors.inc()
          log.error(
            { err, partition: batch.partition, records: batch.records.length },
            'batch failed; will be redelivered',
          )
        },
      })
      log.info({ group: deps.group ?? 'identity' }, 'identity consuming events.raw')
    },
    async stop(): Promise<void> {
      await subscription?.stop()
      subscription = undefined
    },
  }
}

export type IdentityService = ReturnType<typeof createIdentityService>
