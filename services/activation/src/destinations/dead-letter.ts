import { TOPICS, type Bus } from '@sillage/bus'
import type { DeliveryStore } from '../adapters/clickhouse-deliveries.js'
import { batchKey, type DeliveryItem } from '../domain/delivery-payload.js'

/**
 * A batch refused or out of retries: to activation.deadletters (JSON `{ destination, batch_key,
 * reason, attempts, at, items }`, docs/activation.md) when there is a bus, and its items recorded
 * `dead` (`sillage destinations replay` re-queues them).
 */
export function createDeadLetters(deps: { bus?: Bus; store: DeliveryStore; now: () => number }) {
  return async (destinationId: string, batch: readonly DeliveryItem[], reason: string, attempts: number) => {
    const at = deps.now()
    if (deps.bus) {
      const letter = {
        destination: destinationId,
        batch_key: batchKey(destinationId, batch),
        reason,
        attempts,
        at: new Date(at).toISOString(),
        items: batch,
      }
      await deps.bus.produce(TOPICS.activationDeadLetters, [
        { key: destinationId, value: Buffer.from(JSON.stringify(letter)) },
      ])
    }
    await deps.store.mark(
      destinationId,
      batch.map((i) => i.id),
      'dead',
      { attempts, error: reason, now: at },
    )
  }
}
