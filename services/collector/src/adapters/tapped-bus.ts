import { TOPICS, withProduce, type Bus } from '@sillage/bus'
import type { DebugTap } from '../domain/debug-tap.js'

/**
 * `bus`, with every message durably written to events.raw or events.invalid also handed to the
 * debugger's tap. Only after the write resolved: the debugger never shows an event that got a 503.
 */
export function createTappedBus(bus: Bus, tap: DebugTap): Bus {
  return withProduce(bus, async (topic, messages) => {
    await bus.produce(topic, messages)
    const status = topic === TOPICS.raw ? 'accepted' : topic === TOPICS.invalid ? 'rejected' : undefined
    if (status)
      tap.record(
        status,
        messages.map((m) => m.value),
      )
  })
}
