import { TOPICS, type Bus } from '@sillage/bus'
import type { DebugTap } from '../domain/debug-tap.js'

/**
 * `bus`, with every message durably written to events.raw or events.invalid also handed to the
 * debugger's tap. Only after the write resolved: the debugger never shows an event that got a 503.
 */
export function createTappedBus(bus: Bus, tap: DebugTap): Bus {
  return {
    kind: bus.kind,
    ensureTopics: (specs) => bus.ensureTopics(specs),
    subscribe: (options) => bus.subscribe(options),
    offsets: (topic, group) => bus.offsets(topic, group),
    health: () => bus.health(),
    close: () => bus.close(),
    async produce(topic, messages) {
      await bus.produce(topic, messages)
      const status = topic === TOPICS.raw ? 'accepted' : topic === TOPICS.invalid ? 'rejected' : undefined
      if (status)
        tap.record(
          status,
          messages.map((m) => m.value),
        )
    },
  }
}
