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
    throw toBusError(err, `offsets of ${topic}`, topic)
  }
}
