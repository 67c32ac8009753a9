import type { Admin } from 'kafkajs'
import { KafkaJSProtocolError } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { readKafkaOffsets } from './kafka-offsets.js'

/** An admin whose fetchTopicOffsets fails with `errors` in turn, then answers. */
function adminFailing(errors: Error[]) {
  let calls = 0
  const admin = {
    listTopics: async () => ['t'],
    fetchTopicOffsets: async () => {
      const err = errors[calls++]
      if (err) throw err
      return [{ partition: 0, offset: '5', high: '5', low: '1' }]
    },
    fetchOffsets: async () => [{ topic: 't', partitions: [{ partition: 0, offset: '3' }] }],
  } as unknown as Admin
  return { getAdmin: async () => admin, calls: () => calls }
}

/** kafkajs's own error for a partition whose leader is moving (retriable). */
const notLeader = () =>
  new KafkaJSProtocolError({
    type: 'NOT_LEADER_FOR_PARTITION',
    code: 6,
    retriable: true,
    message: 'not the leader',
  })

describe('readKafkaOffsets', () => {
  it('waits out a partition without a leader yet (a broker just started), then answers', async () => {
    const { getAdmin, calls } = adminFailing([notLeader(), notLeader()])
    expect(await readKafkaOffsets(getAdmin, 't', 'g')).toEqual([
      { partition: 0, start: 1, end: 5, committed: 3 },
    ])
    expect(calls()).toBe(3)
  })

  it('fails at once on an error kafkajs does not retry', async () => {
    const fatal = new KafkaJSProtocolError({
      type: 'TOPIC_AUTHORIZATION_FAILED',
      code: 29,
      retriable: false,
      message: 'no',
    })
    const { getAdmin, calls } = adminFailing([fatal])
    await expect(readKafkaOffsets(getAdmin, 't', undefined)).rejects.toMatchObject({
      code: 'SIL_BUS_UNAVAILABLE',
    })
    expect(calls()).toBe(1)
  })
})
