import { Counter, Histogram, type Registry } from '@sillage/runtime'
import { AdminError } from './errors.js'

/** The privacy admin metrics (docs/operations.md); names are what the dashboards read. */
export interface AdminMetrics {
  /** Erasures by outcome (OUTCOMES). */
  erasures: Counter<'outcome'>
  erasureDuration: Histogram<'outcome'>
  /** Exports by outcome (OUTCOMES). */
  exports: Counter<'outcome'>
  exportDuration: Histogram<'outcome'>
  /** Identifiers written to privacy.suppressions (and the suppressions table). */
  suppressions: Counter
}

/**
 * An operation's outcome: `completed`; `invalid` (the identifier is not one, SIL_PRIVACY_IDENTIFIER_INVALID);
 * `not_found` (nothing held, SIL_PRIVACY_SUBJECT_NOT_FOUND); `failed` (anything else: the warehouse or the bus).
 */
export type Outcome = 'completed' | 'invalid' | 'not_found' | 'failed'

export function outcomeOf(err: unknown): Outcome {
  if (err instanceof AdminError && err.code === 'SIL_PRIVACY_IDENTIFIER_INVALID') return 'invalid'
  if (err instanceof AdminError && err.code === 'SIL_PRIVACY_SUBJECT_NOT_FOUND') return 'not_found'
  return 'failed'
}

/** Runs `work`, counting and timing it by outcome in `count` and `duration`. */
export async function measured<T>(
  count: Counter<'outcome'>,
  duration: Histogram<'outcome'>,
  work: () => Promise<T>,
): Promise<T> {
  const end = duration.startTimer()
  let outcome: Outcome = 'completed'
  try {
    return await work()
  } catch (err) {
    outcome = outcomeOf(err)
    throw err
  } finally {
    count.inc({ outcome })
    end({ outcome })
  }
}

/** Metric objects are created once per registry (one per process, or per service in tests). */
export function createAdminMetrics(registry: Registry): AdminMetrics {
  return {
    erasures: new Counter({
      name: 'sillage_admin_erasures_total',
      help: 'Erasure requests by outcome (completed, invalid, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    erasureDuration: new Histogram({
      name: 'sillage_admin_erasure_duration_seconds',
      help: "Time to run one erasure, by outcome (includes waiting for identity's consumer group)",
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    exports: new Counter({
      name: 'sillage_admin_exports_total',
      help: 'Access and portability exports by outcome (completed, invalid, not_found, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    exportDuration: new Histogram({
      name: 'sillage_admin_export_duration_seconds',
      help: 'Time to build one export document, by outcome',
      labelNames: ['outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    suppressions: new Counter({
      name: 'sillage_admin_suppressions_written_total',
      help: 'Identifiers suppressed by erasures (privacy.suppressions and the suppressions table)',
      registers: [registry],
    }),
  }
}
