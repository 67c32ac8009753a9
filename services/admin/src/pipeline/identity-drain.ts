import { TOPICS, type Bus } from '@sillage/bus'
import type { Logger } from '@sillage/runtime'

/**
 * Waits until identity (consumer group `group`) has stored and committed every event on
 * events.raw when the call began: from then on, events of an erased person are refused before they
 * are stored. False when `timeoutMs` passed first (the erasure then deletes anyway).
 */
export async function waitForIdentity(deps: {
  bus: Bus
  group: string
  timeoutMs: number
  now: () => number
  log: Logger
}): Promise<boolean> {
  const { bus, group, now } = deps
  const ends = await bus.offsets(TOPICS.raw)
  const deadline = now() + deps.timeoutMs
  for (;;) {
    const committed = new Map(
      (await bus.offsets(TOPICS.raw, group)).map((p) => [p.partition, p.committed ?? p.start]),
    )
    if (ends.every((p) => p.end <= p.start || (committed.get(p.partition) ?? 0) >= p.end)) return true
    if (now() > deadline) {
      deps.log.warn({ group }, 'erasure: identity did not catch up with events.raw; deleting anyway')
      return false
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
