import type { Bus } from './bus.js'

/** `bus` with its produce path replaced (backpressure, a debugger tap); everything else delegated. */
export function withProduce(bus: Bus, produce: Bus['produce']): Bus {
  return {
    kind: bus.kind,
    ensureTopics: (specs) => bus.ensureTopics(specs),
    subscribe: (options) => bus.subscribe(options),
    offsets: (topic, group) => bus.offsets(topic, group),
    health: () => bus.health(),
    close: () => bus.close(),
    produce,
  }
}
