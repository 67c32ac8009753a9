/**
 * Kafka's default partitioner for keyed records, bit-for-bit: `toPositive(murmur2(utf8(key))) % n`.
 * Same as the Java client (`Utils.murmur2`, `BuiltInPartitioner`) and kafkajs's
 * `Partitioners.DefaultPartitioner`, so a key lands in the same partition on the local bus and on
 * Kafka. Records without a key are spread round-robin.
 */

const SEED = 0x9747b28c
const M = 0x5bd1e995

/** Kafka's murmur2 (32-bit, seed 0x9747b28c) as a signed 32-bit integer, like Java's `int`. */
export function murmur2(input: Uint8Array | string): number {
  const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  const length = data.length
  let h = SEED ^ length
  const length4 = length & ~3
  for (let i = 0; i < length4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24) | 0
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  const rest = length & 3
  if (rest === 3) h ^= data[length4 + 2]! << 16
  if (rest >= 2) h ^= data[length4 + 1]! << 8
  if (rest >= 1) h = Math.imul(h ^ data[length4]!, M)
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`). */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: Uint8Array | string, partitions: number): number {
  return toPositive(murmur2(key)) % partitions
}

export type Partitioner = (key: Uint8Array | string | null, partitions: number) => number

/** A partitioner with its own round-robin counter for null keys (one per topic, as in kafkajs). */
export function createPartitioner(): Partitioner {
  let counter = 0
  return (key, partitions) => {
    if (key !== null) return partitionForKey(key, partitions)
    const partition = counter % partitions
    counter = (counter + 1) % 0x7fffffff
    return partition
  }
}
