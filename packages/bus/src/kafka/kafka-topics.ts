import type { Admin, ITopicConfig } from 'kafkajs'
import type { TopicSpec } from '../bus.js'

const LEADER_WAIT_MS = 10_000
const DAY_MS = 24 * 60 * 60 * 1000
const MAX_COMPACTION_LAG_MS = 7 * DAY_MS

/** The admin client's view of a spec: partitions from the spec, replication from the broker. */
export function toTopicConfig(spec: TopicSpec): ITopicConfig {
  const configEntries: { name: string; value: string }[] = []
  if (spec.retentionMs !== undefined)
    configEntries.push({ name: 'retention.ms', value: String(spec.retentionMs) })
  if (spec.compacted) {
    configEntries.push({ name: 'cleanup.policy', value: 'compact' })
    // Bounds how long a deleted key (a tombstone: an erased identifier) stays readable: compaction
    // runs within a week, and the tombstone itself goes a day later (docs/privacy.md).
    configEntries.push({ name: 'max.compaction.lag.ms', value: String(MAX_COMPACTION_LAG_MS) })
    configEntries.push({ name: 'delete.retention.ms', value: String(DAY_MS) })
  } else if (spec.retentionMs !== undefined && spec.retentionMs > 0) {
    // Retention deletes whole closed segments: rolling at least daily bounds how long a record
    // outlives retention.ms by one day (docs/privacy.md).
    configEntries.push({ name: 'segment.ms', value: String(Math.min(spec.retentionMs, DAY_MS)) })
  }
  return { topic: spec.name, numPartitions: spec.partitions, configEntries }
}

export function validateSpecs(specs: readonly TopicSpec[]): void {
  const names = new Set<string>()
  for (const spec of specs) {
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(spec.name)) throw new RangeError(`invalid topic name "${spec.name}"`)
    if (names.has(spec.name)) throw new RangeError(`topic "${spec.name}" is listed twice`)
    names.add(spec.name)
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new RangeError(`topic "${spec.name}": partitions must be a positive integer`)
    }
    if (spec.retentionMs !== undefined && !(Number.isInteger(spec.retentionMs) && spec.retentionMs >= -1)) {
      throw new RangeError(`topic "${spec.name}": retentionMs must be an integer ≥ -1`)
    }
  }
}

/** Creates the missing topics and waits until each of their partitions has a leader. */
export async function createMissingTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  validateSpecs(specs)
  const existing = new Set(await admin.listTopics())
  const missing = specs.filter((s) => !existing.has(s.name))
  if (missing.length === 0) return
  const created = await admin.createTopics({ topics: missing.map(toTopicConfig), waitForLeaders: true })
  // false: another process created some of them concurrently; kafkajs then skipped the leader wait.
  if (!created)
    await waitForLeaders(
      admin,
      missing.map((s) => s.name),
    )
}

async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics })
      if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return
    } catch (err) {
      if (Date.now() > deadline) throw err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for leaders of ${topics.join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
