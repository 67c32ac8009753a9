import { randomUUID } from 'node:crypto'
import { TOPICS, type Bus, type Subscription } from '@sillage/bus'
import { Gauge, type Logger, type Registry } from '@sillage/runtime'
import type { MessageKey, Warehouse } from '@sillage/warehouse'
import type { SuppressionList } from '@sillage/identifiers'
import { engineMessage } from '../adapters/clickhouse-errors.js'
import { createClickHouseSink } from '../adapters/clickhouse-sink.js'
import { createCallGroup } from '../adapters/call-group.js'
import { groupToken } from '../adapters/isolating-insert.js'
import { createIdentityRules, type IdentityRules, type IdentityRulesInput } from '@sillage/identifiers'
import { createStitcher } from '../domain/stitcher.js'
import type { EventRow } from '../domain/event-row.js'
import { createIdentityMetrics } from '../metrics.js'
import { registerConsumerLag } from './consumer-lag.js'
import { createChangelogView } from './changelog-view.js'
import { createEdgeResolver } from './edge-resolver.js'
import { createEventHandler, type EventBatch } from './event-handler.js'

export interface IdentityServiceDeps {
  bus: Bus
  warehouse: Warehouse
  log: Logger
  registry: Registry
  /** Consumer group of events.raw (instances in one group share its partitions). Default identity. */
  group?: string
  maxBatchRecords?: number
  /** Kafka: events.raw partitions whose batches are handled at once (RAW_CONCURRENT_PARTITIONS). */
  concurrentPartitions?: number
  /** Identifier priority, limits, blocked values; defaults in docs/identity.md. */
  rules?: IdentityRules | IdentityRulesInput
  /** Names this instance's changelog view group; random by default (it is re-read at every start). */
  instanceId?: string
  /** Whether this process also joins the resolver group of identity.edges. Default true. */
  resolver?: boolean
  /** How long a barrier may wait for the resolver before the batch is retried. Default 30 s. */
  syncTimeoutMs?: number
  /**
   * Called with each batch's rows once ClickHouse acknowledged them; must not throw. The live
   * debugger of `sillage start` shows each event's person_id from it.
   */
  onStored?: (rows: readonly EventRow[]) => void
  /**
   * Erased identifiers, kept up to date from privacy.suppressions by the composition root
   * (docs/privacy.md): their events are dropped before stitching. Absent, nothing is suppressed.
   */
  suppressions?: SuppressionList
}

const isRules = (r: IdentityRules | IdentityRulesInput): r is IdentityRules =>
  'types' in r && 'external' in r && 'blockedValues' in r

/** The most events of one batch, hence of one ClickHouse insert (SILLAGE_IDENTITY_MAX_BATCH). */
export const DEFAULT_MAX_BATCH_RECORDS = 20_000
/**
 * Each batch is one insert into events, which also writes a part of every materialised view's
 * table, and each part is merged later: under load, fewer and larger inserts cost much less CPU
 * per event. So a batch waits up to 500 ms for 4 MiB of events (Kafka's fetch.min.bytes and
 * fetch.max.wait.ms), and may hold up to 8 MiB (~12,000 events). Measured with `pnpm
 * bench:embedded` (docs/benchmarks.md, round of 2026-12-07, afternoon): at saturation the inserts
 * fell from 53–54 to 31–35 per run and the merges' CPU per event by a third to a half; past ~1 s
 * of waiting the freshness grows faster than the CPU falls. The wait counts from when identity
 * asked for the batch: an event after half a second of quiet is inserted at once.
 */
const INSERT_BATCHING = {
  minBatchBytes: 4 * 1024 * 1024,
  maxBatchWaitMs: 500,
  maxBatchBytes: 8 * 1024 * 1024,
} as const
/**
 * The batches of several partitions handled at the same time share one dedup read and one insert
 * (call-group.ts): a batch queued for either waits at most 100 ms for the others on their way
 * (they come within tens of milliseconds of each other, their waits for records having started
 * together after the last shared insert), and a group of 20,000 events goes at once.
 */
const GROUPING = { maxWaitMs: 100, maxWeight: DEFAULT_MAX_BATCH_RECORDS } as const
/**
 * On Kafka, the partitions of one fetch whose batches are handed over at once (kafkajs's
 * partitionsConsumedConcurrently), so that they share the insert as on the local bus. One at a
 * time, each partition's batch was an insert of its own. Eight: twice events.raw's default
 * partitions (SILLAGE_RAW_PARTITIONS). A partition's batches still come one after the other.
 */
export const RAW_CONCURRENT_PARTITIONS = 8

/**
 * Identity: consumes events.raw, stamps person_id, deduplicates on messageId and inserts into
 * ClickHouse; the bus commits a batch's offsets only after ClickHouse acknowledged its inserts.
 * Beside it, in the same process: the changelog view (this instance's copy of the identity graph)
 * and a member of the resolver group (only one is active across all instances). See
 * docs/identity.md.
 */
export function createIdentityService(deps: IdentityServiceDeps) {
  const log = deps.log.child({ component: 'identity' })
  const rules =
    deps.rules === undefined
      ? createIdentityRules()
      : isRules(deps.rules)
        ? deps.rules
        : createIdentityRules(deps.rules)
  const group = deps.group ?? 'identity'
  const instanceId = deps.instanceId ?? randomUUID()
  const metrics = createIdentityMetrics(deps.registry)
  const sink = createClickHouseSink(deps.warehouse, {
    onPoison: (table, action, refused) => {
      metrics.poisonRows.inc({ table, action }, refused.length)
      log.warn(
        { table, action, rows: refused.length, reason: engineMessage(refused[0]?.error) },
        'rows refused by ClickHouse were isolated',
      )
    },
  })
  registerConsumerLag(deps.registry, [
    { topic: TOPICS.raw, group, offsets: () => deps.bus.offsets(TOPICS.raw, group) },
    {
      topic: TOPICS.edges,
      group: `${group}.resolver`,
      offsets: () => deps.bus.offsets(TOPICS.edges, `${group}.resolver`),
    },
  ])
  const view = createChangelogView({
    bus: deps.bus,
    rules,
    log: deps.log, // it names its own component: a second `component` key would repeat in each line
    group: `${group}.view.${instanceId}`,
    syncTimeoutMs: deps.syncTimeoutMs ?? 30_000,
  })
  new Gauge({
    name: 'sillage_identity_graph_size',
    help: "This instance's identity graph, held in memory (~200 bytes per identifier), by kind",
    labelNames: ['kind'] as const,
    registers: [deps.registry],
    collect() {
      const { identifiers, persons, overrides } = view.graph.stats()
      this.set({ kind: 'identifiers' }, identifiers)
      this.set({ kind: 'persons' }, persons)
      this.set({ kind: 'overrides' }, overrides)
    },
  })
  const resolver =
    deps.resolver === false
      ? undefined
      : createEdgeResolver({ bus: deps.bus, sink, view, log: deps.log, metrics, group: `${group}.resolver` })
  const handleBatch = createEventHandler({
    bus: deps.bus,
    sink,
    dedup: createCallGroup(
      (batches: readonly (readonly MessageKey[])[]) => sink.existingMessageIds(batches.flat()),
      {
        ...GROUPING,
        weight: (ids) => ids.length,
        onCall: (batches) => metrics.groupedCalls.observe({ call: 'dedup' }, batches),
      },
    ),
    inserts: createCallGroup(
      (batches: readonly EventBatch[]) =>
        sink.insertEvents(
          batches.length === 1 ? batches[0]!.rows : batches.flatMap((b) => b.rows),
          groupToken(batches.map((b) => b.token)),
        ),
      {
        ...GROUPING,
        weight: (b) => b.rows.length,
        onCall: (batches) => metrics.groupedCalls.observe({ call: 'insert' }, batches),
      },
    ),
    rules,
    stitcher: createStitcher(rules, view.graph),
    sync: view.syncThroughResolver,
    log,
    metrics,
    onStored: deps.onStored,
    suppressions: deps.suppressions,
  })
  let subscription: Subscription | undefined

  return {
    rules,

    async start(): Promise<void> {
      await view.start()
      await resolver?.start()
      subscription = await deps.bus.subscribe({
        topic: TOPICS.raw,
        group,
        maxBatchRecords: deps.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS,
        ...INSERT_BATCHING,
        concurrentPartitions: deps.concurrentPartitions ?? RAW_CONCURRENT_PARTITIONS,
        // The collector's parsed events, in embedded mode: identity does not parse them again.
        takeParsed: true,
        eachBatch: handleBatch,
        onError: (err, batch) => {
          metrics.batchErrors.inc()
          log.error(
            { err, partition: batch.partition, records: batch.records.length },
            'batch failed; will be redelivered',
          )
        },
      })
      log.info({ group, instanceId, resolver: resolver !== undefined }, 'identity consuming events.raw')
    },

    /**
     * Resolves once every edge produced to identity.edges so far (by any instance) is decided,
     * in ClickHouse, and in this instance's view. Tests and benchmarks use it to wait for stitching.
     */
    sync: (): Promise<void> => view.syncThroughResolver(),

    /** Size of this instance's view of the identity graph. */
    stats: () => view.graph.stats(),

    async stop(): Promise<void> {
      await subscription?.stop()
      subscription = undefined
      await resolver?.stop()
      await view.stop()
    },
  }
}

export type IdentityService = ReturnType<typeof createIdentityService>
