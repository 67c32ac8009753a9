import type { TopicSpec } from './bus.js'

/** Topic names are part of the public interface (docs, docker, operators). */
export const TOPICS = {
  raw: 'events.raw',
  invalid: 'events.invalid',
  edges: 'identity.edges',
  changelog: 'identity.changelog',
  /** Hashed identifiers of erased people (compacted; docs/privacy.md). */
  suppressions: 'privacy.suppressions',
  /** Activation batches a destination refused or that exhausted their retries (docs/activation.md). */
  activationDeadLetters: 'activation.deadletters',
} as const

const DAY_MS = 24 * 60 * 60 * 1000

export function defaultTopicSpecs(rawPartitions: number): TopicSpec[] {
  return [
    { name: TOPICS.raw, partitions: rawPartitions, retentionMs: 7 * DAY_MS },
    { name: TOPICS.invalid, partitions: 1, retentionMs: 14 * DAY_MS },
    { name: TOPICS.edges, partitions: 1, retentionMs: 7 * DAY_MS },
    { name: TOPICS.changelog, partitions: 1, compacted: true },
    { name: TOPICS.suppressions, partitions: 1, compacted: true },
    { name: TOPICS.activationDeadLetters, partitions: 1, retentionMs: 14 * DAY_MS },
  ]
}
