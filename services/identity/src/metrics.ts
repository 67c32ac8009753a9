import { Counter, Histogram, type Registry } from '@sillage/runtime'

export type IdentityMetrics = ReturnType<typeof createIdentityMetrics>

/** Metric objects are created once per registry (one per process, or per service in tests). */
export function createIdentityMetrics(registry: Registry) {
  return {
    inserted: new Counter({
      name: 'sillage_identity_events_inserted_total',
      help: 'Events inserted into ClickHouse',
      registers: [registry],
    }),
    groupedCalls: new Histogram({
      name: 'sillage_identity_grouped_batches',
      help: 'Dedup reads and inserts into events, by how many batches (of as many partitions) each served',
      labelNames: ['call'] as const,
      buckets: [1, 2, 4, 8, 16],
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'sillage_identity_events_duplicate_total',
      help: 'Events skipped because their messageId was already stored',
      registers: [registry],
    }),
    batchErrors: new Counter({
      name: 'sillage_identity_batch_errors_total',
      help: 'Batches that failed (insert errors); they are redelivered',
      registers: [registry],
    }),
    poisonRows: new Counter({
      name: 'sillage_identity_poison_rows_total',
      help: 'Rows ClickHouse refused on their own (data errors), by table and what became of them: events are dead-lettered; other tables repaired (well-formed strings) or dropped',
      labelNames: ['table', 'action'] as const,
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'sillage_identity_dead_letters_total',
      help: 'events.raw records identity wrote to events.invalid instead of storing them, by code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'sillage_identity_batch_seconds',
      help: 'Time to stitch and insert one batch',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    warnings: new Counter({
      name: 'sillage_identity_warnings_total',
      help: 'Identifier values refused at ingest (identity_warnings), by code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    edgesProduced: new Counter({
      name: 'sillage_identity_edges_produced_total',
      help: 'Events sent to identity.edges because they may change the identity graph',
      registers: [registry],
    }),
    syncs: new Counter({
      name: 'sillage_identity_syncs_total',
      help: 'Barriers through the resolver (at start and when a partition changed hands)',
      registers: [registry],
    }),
    merges: new Counter({
      name: 'sillage_identity_merges_total',
      help: 'Resolver decisions (identity_merges rows), by decision and reason',
      labelNames: ['decision', 'reason'] as const,
      registers: [registry],
    }),
    resolverEdges: new Counter({
      name: 'sillage_identity_resolver_edges_total',
      help: 'Edges applied by the resolver (duplicates of a redelivery excluded)',
      registers: [registry],
    }),
    resolverBatchSeconds: new Histogram({
      name: 'sillage_identity_resolver_batch_seconds',
      help: 'Time for the resolver to decide, store and publish one batch of edges',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  }
}
