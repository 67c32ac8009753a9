import type { FailedEvent, SdkErrorCode } from './errors.js'
import type { Item } from './batch-queue.js'
import type { Rejection, Verdict } from './retry-policy.js'

/** Which events of a batch failed, and why: the collector's answer read event by event (pure). */
export type Failures = Array<[Item, FailedEvent]>

export function failure(item: Item, code: SdkErrorCode, reason: string): FailedEvent {
  return { messageId: item.event.messageId, code, reason, event: item.event }
}

/** Every event of the batch failed for the same reason. */
export function failuresOf(
  items: readonly Item[],
  code: SdkErrorCode,
  reason: string,
  status?: number,
): Failures {
  return items.map((item): [Item, FailedEvent] => {
    const f = failure(item, code, reason)
    if (status !== undefined) f.status = status
    return [item, f]
  })
}

/** A 2xx: the events the collector listed as rejected failed, the others were accepted. */
export function acceptedBatch(
  items: readonly Item[],
  rejected: readonly Rejection[],
): { accepted: Item[]; failed: Failures } {
  const byIndex = new Map(rejected.map((r) => [r.index, r]))
  const accepted: Item[] = []
  const failed: Failures = []
  for (const [index, item] of items.entries()) {
    const r = byIndex.get(index)
    if (!r) {
      accepted.push(item)
      continue
    }
    const f = failure(item, 'SIL_SDK_EVENT_REJECTED', r.message)
    f.collectorCode = r.code
    failed.push([item, f])
  }
  return { accepted, failed }
}

/**
 * A refused request: each event fails with its own rejection when listed, else the request's.
 * A partial answer (`success: true` with an `accepted` count) whose count is exactly the events not
 * listed in `rejected` confirms those: they are accepted, not failed (a re-send would duplicate
 * them). A count that does not add up confirms nothing.
 */
export function refusedBatch(
  items: readonly Item[],
  v: Extract<Verdict, { kind: 'refused' }>,
): { accepted: Item[]; failed: Failures } {
  const byIndex = new Map(
    v.rejected.filter((r) => r.index >= 0 && r.index < items.length).map((r) => [r.index, r]),
  )
  const partial = v.accepted !== undefined && v.accepted > 0 && v.accepted === items.length - byIndex.size
  const accepted: Item[] = []
  const failed: Failures = []
  for (const [index, item] of items.entries()) {
    const r = byIndex.get(index)
    if (!r && partial) {
      accepted.push(item)
      continue
    }
    const f = r
      ? failure(item, 'SIL_SDK_EVENT_REJECTED', r.message)
      : failure(item, 'SIL_SDK_REQUEST_REFUSED', v.message)
    f.status = v.status
    const code = r?.code ?? v.collectorCode
    if (code !== undefined) f.collectorCode = code
    failed.push([item, f])
  }
  return { accepted, failed }
}
