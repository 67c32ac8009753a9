import { Counter, Histogram, type Registry } from '@sillage/runtime'

export type IdentityMetrics = ReturnType<typeof createIdentityMetrics>

export function createIdentityMetrics(registry: Registry) {
  return {
    inserted: new Counter({
      name: 'sillage_identity_events_inserted_total',
      help: 'Events inserted into ClickHouse',
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
    batchSeconds: new Histogram({
      name: 'sillage_identity_batch_seconds',
      help: 'Time to stitch and insert one batch',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    merges: new Counter({
      name: 'sillage_identity_merges_total',
      help: 'Anonymous persons attached to a user (person_overrides rows)',
      registers: [registry],
    }),
  }
}
