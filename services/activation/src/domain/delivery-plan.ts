/**
 * Which pending items of a batch leave for a destination, which are skipped for good and which
 * wait (docs/activation.md, "A destination connected to an existing audience"). Pure.
 *
 * - An exit leaves only when the destination received the entry it closes (earlier, or in this
 *   batch); otherwise it is skipped.
 * - The audience's history from before the destination was connected (`snapshot`, see
 *   snapshotCutoff) is reduced to its current members, as Segment Engage sends a newly connected
 *   destination the audience's current members rather than its history: an entry already
 *   followed by a later change of the person (`superseded`) is skipped (its exit is then skipped
 *   by the rule above), and the entry of a person without marketing consent now waits, neither
 *   sent nor recorded, until the next sync records their exit (which supersedes it) or consent
 *   comes back.
 * - Changes recorded after the connection leave as they always did.
 * - A snapshot entry in doubt (its batch was leaving when the process died: recorded `sending`,
 *   outcome unknown) that is now superseded is assumed received, not sent again: recorded
 *   delivered, so the exit that supersedes it leaves (the destination may hold the person) and an
 *   erasure reaches the destination. An exit for a person it never got is harmless; a member it
 *   keeps forever is not.
 */
import type { DeliveryItem } from './delivery-payload.js'

export interface PendingItem extends DeliveryItem {
  /** For an exit: the message id of the entry it closes. */
  enteredId?: string
  /** For an entry: a later change of the person in the audience is recorded. */
  superseded?: boolean
  /** Recorded before the destination was connected to the audience. */
  snapshot?: boolean
  /** Was leaving when the process died (`sending`): the destination may have it. */
  inDoubt?: boolean
  /** A dead letter re-queued by `sillage destinations replay` (destinations/replay-check.ts). */
  replayed?: boolean
}

export interface BatchPlan {
  send: DeliveryItem[]
  /** Recorded `skipped`: never sent to this destination. */
  skip: string[]
  /** Left pending: looked at again at the next run. */
  hold: string[]
  /** Recorded delivered without being sent again: possibly received before a crash. */
  assume: DeliveryItem[]
}

/** A snapshot entry, whose person's marketing consent decides whether it leaves now. */
const snapshotEntry = (p: PendingItem) => p.type === 'audience.entered' && p.snapshot === true

/**
 * @param received the entries (message ids) among the exits' `enteredId` the destination has
 * @param contactable the persons of the snapshot entries with marketing consent now
 */
export function planBatch(
  pending: readonly PendingItem[],
  received: ReadonlySet<string>,
  contactable: ReadonlySet<string>,
): BatchPlan {
  const plan: BatchPlan = { send: [], skip: [], hold: [], assume: [] }
  const inBatch = new Set<string>()
  for (const p of pending) {
    const { enteredId, superseded, snapshot: _snapshot, inDoubt, replayed: _replayed, ...item } = p
    if (snapshotEntry(p) && superseded && inDoubt) {
      plan.assume.push(item)
      inBatch.add(p.id)
    } else if (snapshotEntry(p) && superseded) plan.skip.push(p.id)
    else if (snapshotEntry(p) && !contactable.has(p.personId)) plan.hold.push(p.id)
    else if (
      p.type === 'audience.exited' &&
      (!enteredId || (!received.has(enteredId) && !inBatch.has(enteredId)))
    )
      plan.skip.push(p.id)
    else {
      plan.send.push(item)
      inBatch.add(p.id)
    }
  }
  return plan
}

/** The persons whose marketing consent decides whether their snapshot entries leave now. */
export const snapshotPersons = (pending: readonly PendingItem[]): string[] => [
  ...new Set(pending.filter((p) => snapshotEntry(p) && !p.superseded).map((p) => p.personId)),
]

/**
 * Marks the audience items recorded before the destination was connected to their audience.
 * `connectedAt`: per audience, when the destination's first delivery state for it was recorded;
 * an audience without any is being connected now, so all its pending items are the snapshot.
 */
export function markSnapshot(
  pending: readonly PendingItem[],
  connectedAt: ReadonlyMap<string, number>,
): PendingItem[] {
  return pending.map((p) => {
    if (p.type !== 'audience.entered' && p.type !== 'audience.exited') return p
    const since = connectedAt.get(p.source)
    return since === undefined || Date.parse(p.at) < since ? { ...p, snapshot: true } : p
  })
}
