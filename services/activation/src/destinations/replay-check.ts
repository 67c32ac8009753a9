import type { Warehouse } from '@sillage/warehouse'
import type { DeliveryStore, PendingItem } from '../adapters/clickhouse-deliveries.js'
import { anonymousIdOf, subjectKeys } from '../adapters/clickhouse-recipients.js'
import { createTriggerStore } from '../adapters/clickhouse-triggers.js'
import { allowsMarketing } from '../domain/trigger-match.js'

/** Why a replayed item is recorded `skipped` (activation_deliveries.error): it is never sent. */
export const REPLAY_SUPPRESSED = 'suppressed: the person was erased before it was sent'
export const REPLAY_NO_CONSENT = 'no_consent: no marketing consent when replayed'

export interface ReplayCheck {
  /** The items that may leave, in their order. */
  send: PendingItem[]
  /** The replayed items that may not, by reason. */
  refused: Map<string, string[]>
}

/**
 * What may leave of a page of pending items, judged when it is sent (docs/activation.md, "Dead
 * letters" and "Erasure"), with the checks the first delivery relies on:
 *
 * - **Erased**, any item, first delivery or replay, exits included: one whose identifiers
 *   (subjectKeys, the keys an erasure notice matches) are suppressed (`suppressions`). Once the
 *   erasure has deleted the person's rows nothing of them is pending; this covers an erasure
 *   under way (suppressed, rows not deleted yet). The destination hears of the person through the
 *   erasure notice only.
 * - A dead letter re-queued by `sillage destinations replay` (consent can change between its
 *   death, its re-queue and its send):
 *   - **an entry** needs marketing consent now (`consent_current.marketing_contactable`, the
 *     store's `contactable`: what audiences intersect with, and a new connection's entries wait on);
 *   - **a trigger firing** needs the marketing consent its user or device states now (the trigger
 *     store's `consent` and `allowsMarketing`, as the trigger consumer decides a firing);
 *   - **an exit** needs no consent: a withdrawal is what makes a person leave, and the exit lets
 *     the destination forget them (the first delivery sends it to a destination that has the entry).
 *
 * A first delivery's consent is planBatch's (domain/delivery-plan.ts).
 */
export function createReplayCheck(deps: { warehouse: Warehouse; store: DeliveryStore }) {
  const triggers = createTriggerStore(deps.warehouse)
  return async (pending: readonly PendingItem[]): Promise<ReplayCheck> => {
    const refused = new Map<string, string[]>()
    if (pending.length === 0) return { send: [], refused }
    const replayed = pending.filter((p) => p.replayed)
    const keysOf = new Map(pending.map((p) => [p.id, subjectKeys(p)]))
    const suppressed = await deps.store.suppressed([...new Set([...keysOf.values()].flat())])
    const entries = replayed.filter((p) => p.type === 'audience.entered').map((p) => p.personId)
    const contactable = await deps.store.contactable([...new Set(entries)])
    const reasonOf = async (p: PendingItem): Promise<string | undefined> => {
      if ((keysOf.get(p.id) ?? []).some((k) => suppressed.has(k))) return REPLAY_SUPPRESSED
      if (!p.replayed) return undefined
      if (p.type === 'audience.entered' && !contactable.has(p.personId)) return REPLAY_NO_CONSENT
      if (p.type === 'trigger.fired' && !allowsMarketing(await triggers.consent(p.userId, anonymousIdOf(p))))
        return REPLAY_NO_CONSENT
      return undefined
    }
    const send: PendingItem[] = []
    for (const p of pending) {
      const reason = await reasonOf(p)
      if (reason === undefined) send.push(p)
      else {
        const ids = refused.get(reason)
        if (ids) ids.push(p.id)
        else refused.set(reason, [p.id])
      }
    }
    return { send, refused }
  }
}
