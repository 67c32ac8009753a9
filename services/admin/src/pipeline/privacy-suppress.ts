import { TOPICS, type Bus, type ProduceMessage } from '@sillage/bus'
import {
  suppressionKey,
  type Identifier,
  type SuppressionList,
  type SuppressionRecord,
} from '@sillage/identifiers'
import type { PrivacyRepository } from '@sillage/warehouse'
import type { AdminMetrics } from '../metrics.js'

/**
 * An erasure's suppression of identifiers (docs/privacy.md): durable first on
 * privacy.suppressions, which every collector and identity instance follows, then this process's
 * list (when the collector and identity run in it), then the suppressions table.
 */
export function createSuppressor(deps: {
  store: PrivacyRepository
  bus: Bus
  suppressions?: SuppressionList | undefined
  metrics?: AdminMetrics | undefined
  now: () => number
}): (ids: readonly Identifier[], requestId: string) => Promise<void> {
  return async function suppress(ids, requestId) {
    const suppressedAt = new Date(deps.now()).toISOString()
    const entries = ids.map((id) => ({ id, key: suppressionKey(id) }))
    const messages: ProduceMessage[] = entries.map(({ id, key }) => {
      const record: SuppressionRecord = { idType: id.type, requestId, suppressedAt }
      return { key, value: Buffer.from(JSON.stringify(record)) }
    })
    await deps.bus.produce(TOPICS.suppressions, messages)
    for (const { key } of entries) deps.suppressions?.add(key)
    deps.metrics?.suppressions.inc(entries.length)
    await deps.store.insertSuppressions(
      entries.map(({ id, key }) => ({
        suppression_key: key,
        id_type: id.type,
        request_id: requestId,
        suppressed_at: suppressedAt,
      })),
    )
  }
}
