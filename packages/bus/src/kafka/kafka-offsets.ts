import type { Admin } from 'kafkajs'
import { BusError, type PartitionOffsets } from '../bus.js'
import { toBusError } from './kafka-errors.js'

/** Bus.offsets over the admin client: each partition's start and end, and the group's commits. */
export async function readKafkaOffsets(
  getAdmin: () => Promise<Admin>,
  topic: string,
  group: string | undefined,
): Promise<PartitionOffsets[]> {
  let admin: Admin
  try {
    admin = await getAdmin()
    // Checked first: kafkajs keeps every topic it was asked about in its metadata refreshes,
    // so asking about a missing one would make later admin calls fail (createTopics too).
    if (!(await admin.listTopics()).includes(topic)) {
      throw new BusError('SIL_BUS_UNKNOWN_TOPIC', `offsets: topic ${topic} does not exist`)
    }
  } catch (err) {
    throw toBusError(err, `offsets of ${topic}`, topic)
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        group === undefined ? undefined : admin.fetchOffsets({ groupId: group, topics: [topic] }),
      ])
      const byPartition = new Map<number, number>()
      for (const p of committed?.[0]?.partitions ?? []) {
        // -1: the group never committed this partition.
        if (Number(p.offset) >= 0) byPartition.set(p.partition, Number(p.offset))
      }
      return ends
        .map((p) => ({
          partition: p.partition,
          start: Number(p.low),
          end: Number(p.high),
          committed: byPartition.get(p.partition) ?? null,
        }))
        .sort((a, b) => a.partition - b.partition)
    } catch (err) {
      // Right after a broker's start or a topic's creation, a partition may have no leader yet
      // (NOT_LEADER_FOR_PARTITION, LEADER_NOT_AVAILABLE) or the group's coordinator may still be
      // loading: kafkajs marks these retriable, and a collector reading the suppressions at start
      // must wait them out rather than exit. Bounded: ~6 s in all.
      if (attempt < LEADERSHIP_RETRIES && isRetriable(err)) {
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)))
        continue
      }
      throw toBusError(err, `offsets of ${topic}`, topic)
    }
  }
}

const LEADERSHIP_RETRIES = 6

/** kafkajs's own verdict: a protocol error it marks retriable (leadership moving, coordinator loading). */
function isRetriable(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    if ((e as { retriable?: unknown }).retriable === true) return true
    e = (e as { cause?: unknown; originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause
  }
  return false
}
