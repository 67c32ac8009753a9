import type { Bus } from './bus.js'

/**
 * A view of `bus` in which every topic and consumer group name starts with `prefix`
 * (`SILLAGE_TOPIC_PREFIX`): `staging.` turns events.raw into staging.events.raw and the identity
 * group into staging.identity. Several pipelines (environments, tests) can then share one Kafka
 * cluster without seeing each other. Callers keep using the plain names (TOPICS); records and
 * batches carry the real, prefixed topic, so what they log and the deduplication tokens derived
 * from it stay distinct per namespace. An empty prefix returns `bus` itself.
 */
export function createNamespacedBus(bus: Bus, prefix: string): Bus {
  if (prefix === '') return bus
  const name = (plain: string): string => `${prefix}${plain}`
  return {
    kind: bus.kind,
    ensureTopics: (specs) => bus.ensureTopics(specs.map((s) => ({ ...s, name: name(s.name) }))),
    produce: (topic, messages) => bus.produce(name(topic), messages),
    subscribe: (options) =>
      bus.subscribe({ ...options, topic: name(options.topic), group: name(options.group) }),
    offsets: (topic, group) => bus.offsets(name(topic), group === undefined ? undefined : name(group)),
    health: () => bus.health(),
    close: () => bus.close(),
  }
}
