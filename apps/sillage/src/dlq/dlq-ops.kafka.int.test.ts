import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { consumeToEnd, createBusFromConfig, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import { ingestItems } from '@sillage/collector'
import { sourcesSchema } from '@sillage/schemas'
import { checkBus } from '../doctor/checks.js'
import { inspectDeadLetters, replayDeadLetters } from './dlq-ops.js'

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string
  }
}

// `sillage dlq` and the doctor's bus checks against a real Kafka broker, in a namespace of their own.
describe('dlq and doctor on Kafka', () => {
  const brokers = (process.env.KAFKA_BROKERS || inject('kafkaBrokers')).split(',')
  const bus: Bus = createBusFromConfig({
    kind: 'kafka',
    kafkaBrokers: brokers,
    topicPrefix: `t-dlq-${randomBytes(4).toString('hex')}.`,
    clientId: 'dlq-int-test',
  })
  afterAll(() => bus.close())
  const sources = sourcesSchema.parse([{ id: 'backend', writeKey: 'sk_server_0123456789', type: 'server' }])

  it('doctor reports missing topics, then inspect and replay work once and only once', async () => {
    const missing = await checkBus(bus, { rawPartitions: 2, where: 'test' })
    expect(missing.filter((c) => !c.ok).map((c) => c.name)).toContain('topic events.raw')

    await bus.ensureTopics(defaultTopicSpecs(2))
    const present = await checkBus(bus, { rawPartitions: 2, where: 'test' })
    expect(present.every((c) => c.ok)).toBe(true)
    expect(present.find((c) => c.name === 'topic events.raw')?.detail).toContain('2 partition(s)')

    const { deadLetters } = ingestItems(
      [
        {
          type: 'track',
          event: 'Big',
          anonymousId: 'a1',
          messageId: 'kafka-big',
          properties: { n: 'x'.repeat(1500) },
        },
        { type: 'track', event: 7, anonymousId: 'a2' },
      ],
      { receivedAt: Date.now(), sourceId: 'backend', newMessageId: () => 'unused', maxEventBytes: 1024 },
    )
    await bus.produce(TOPICS.invalid, deadLetters)

    const inspected = await inspectDeadLetters(bus, { filter: {}, limit: 10 })
    expect(inspected.byCode).toEqual({ SIL_EVENT_TOO_LARGE: 1, SIL_EVENT_SCHEMA: 1 })
    const first = await replayDeadLetters(bus, { sources, maxEventBytes: 32 * 1024 })
    expect(first).toMatchObject({ read: 2, passed: 1, stillFailing: { SIL_EVENT_SCHEMA: 1 } })
    // The group committed: nothing is read twice.
    expect(await replayDeadLetters(bus, { sources, maxEventBytes: 32 * 1024 })).toMatchObject({ read: 0 })

    const raw: string[] = []
    await consumeToEnd(bus, {
      topic: TOPICS.raw,
      group: `check-${randomBytes(4).toString('hex')}`,
      commit: false,
      eachBatch: async (b) => void raw.push(...b.records.map((r) => r.value.toString())),
    })
    expect(raw.map((v) => (JSON.parse(v) as { messageId: string }).messageId)).toEqual(['kafka-big'])
  })
})
