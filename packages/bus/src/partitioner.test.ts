import { randomBytes } from 'node:crypto'
import { Partitioners } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { createPartitioner, murmur2, partitionForKey, toPositive } from './partitioner.js'

// Apache Kafka clients, UtilsTest.testMurmur2, and librdkafka's rdmurmur2 unit test.
const JAVA_VECTORS: Record<string, number> = {
  '21': -973932308,
  foobar: -790332482,
  'a-little-bit-long-string': -985981536,
  'a-little-bit-longer-string': -1486304829,
  lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
  abc: 479470107,
  kafka: -798503068,
}

// kafkajs 2.x, src/producer/partitioners/default/murmur2.spec.js (the Java-compatible one).
const KAFKAJS_VECTORS: Record<string, number> = {
  '0': 971027396,
  '1': -1993445489,
  '128': -326012175,
  '2187': -1508407203,
  '16384': -325739742,
  '78125': -1654490814,
  '279936': 1462227128,
  '823543': -2014198330,
  '2097152': 607668903,
  '4782969': -1182699775,
  '10000000': -1830336757,
  '19487171': -1603849305,
  '35831808': -857013643,
  '62748517': -1167431028,
  '105413504': -381294639,
  '170859375': -1658323481,
  '100:48069': 1009543857,
}

describe('murmur2', () => {
  it.each(Object.entries({ ...JAVA_VECTORS, ...KAFKAJS_VECTORS }))('murmur2(%j) = %i', (key, expected) => {
    expect(murmur2(key)).toBe(expected)
    expect(murmur2(Buffer.from(key))).toBe(expected)
  })

  it('hashes the UTF-8 bytes of a string key', () => {
    expect(murmur2('é☃😀')).toBe(murmur2(Buffer.from('é☃😀', 'utf8')))
  })

  it('toPositive clears the sign bit like Kafka (not Math.abs)', () => {
    expect(toPositive(-1)).toBe(0x7fffffff)
    expect(toPositive(-2147483648)).toBe(0)
    expect(toPositive(5)).toBe(5)
  })
})

describe('partitionForKey', () => {
  it('picks the partition kafkajs DefaultPartitioner picks, for random keys and partition counts', () => {
    const kafkajs = Partitioners.DefaultPartitioner()
    for (let i = 0; i < 2000; i++) {
      const key = randomBytes(i % 40).toString(i % 2 ? 'hex' : 'base64')
      const partitions = 1 + (i % 13)
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [0],
        isr: [0],
      }))
      const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } })
      expect(partitionForKey(key, partitions)).toBe(expected)
    }
  })
})

describe('createPartitioner', () => {
  it('spreads null keys round-robin and sends a key always to the same partition', () => {
    const partitioner = createPartitioner()
    expect(Array.from({ length: 6 }, () => partitioner(null, 3))).toEqual([0, 1, 2, 0, 1, 2])
    const p = partitioner('user-42', 3)
    expect(Array.from({ length: 5 }, () => partitioner('user-42', 3))).toEqual([p, p, p, p, p])
    expect(p).toBe(partitionForKey('user-42', 3))
  })
})
