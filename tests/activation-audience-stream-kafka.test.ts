import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKafkaBus, createNamespacedBus, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import {
  createAudienceStream,
  createAudienceSync,
  isStreamEvaluable,
  parseActivationFile,
  type AudienceStream,
} from '@sillage/activation'
import { kafkaBrokers, newNamespace } from './helpers/kafka-pipeline.js'
import { openShopWarehouse, type ShopWarehouse } from './helpers/shop.js'
import { waitFor } from './helpers/pipeline.js'

// Stream evaluation over a real Kafka broker and real chDB: the events reach events.raw before
// "identity" (this test) stores them, so the evaluation must wait for the warehouse, then record
// the entry at once (no schedule runs here).
const log = createLogger({ level: 'silent' })
const defs = parseActivationFile(
  JSON.stringify({
    audiences: [
      { id: 'big-spenders', rule: 'revenue >= 100' },
      { id: 'champions', rule: 'rfm_segment = champions' },
    ],
  }),
)
let bus: Bus
let wh: ShopWarehouse
let stream: AudienceStream
const emitted: EnrichedEvent[] = []

const event = (e: Partial<EnrichedEvent> & { messageId: string }): EnrichedEvent =>
  ({
    userId: 'kim',
    anonymousId: 'anon-kim',
    timestamp: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
    sourceId: 'shop',
    context: { consent: { categories: ['necessary', 'marketing'], policyVersion: 'v1' } },
    ...e,
  }) as EnrichedEvent
const produce = (events: EnrichedEvent[]) =>
  bus.produce(
    TOPICS.raw,
    events.map((e) => ({ key: e.anonymousId ?? null, value: Buffer.from(JSON.stringify(e)) })),
  )
const membership = () =>
  wh.rows<{ audience_id: string; person_id: string; change: string }>(
    'SELECT audience_id, person_id, toString(change) AS change FROM sillage.audience_membership ORDER BY seq',
  )

beforeAll(async () => {
  bus = createNamespacedBus(
    createKafkaBus({
      brokers: kafkaBrokers().split(','),
      clientId: `act-stream-${randomUUID().slice(0, 8)}`,
    }),
    newNamespace('act-stream'),
  )
  await bus.ensureTopics(defaultTopicSpecs(2))
  wh = await openShopWarehouse()
  const sync = createAudienceSync({
    warehouse: wh.warehouse,
    log,
    registry: createMetricsRegistry({ defaultMetrics: false }),
    emit: async (events) => {
      emitted.push(...events)
    },
  })
  stream = createAudienceStream({
    bus,
    warehouse: wh.warehouse,
    log,
    audiences: () => defs.audiences.filter(isStreamEvaluable),
    evaluate: async (audiences, persons) => {
      await sync.syncPersons(audiences, persons)
    },
  })
  await stream.start()
}, 120_000)
afterAll(async () => {
  await stream?.stop()
  await bus?.close()
  await wh?.close()
})

describe('audiences on the stream, over Kafka', () => {
  it('an order read from Kafka, stored late, makes its person enter; scored audiences are left alone', async () => {
    const order = event({
      type: 'track',
      event: 'Order Completed',
      messageId: `order-${randomUUID()}`,
      properties: { order_id: 'o-kim', revenue: 150, currency: 'EUR' },
    })
    const view = event({ type: 'page', messageId: `page-${randomUUID()}` })
    await produce([view, order])
    // Identity's part, done after the events are on the bus: the evaluation waits for it.
    await wh.insert([
      { event: view, personId: 'p-kim' },
      { event: order, personId: 'p-kim' },
    ])
    const rows = await waitFor(async () => ((await membership()).length > 0 ? membership() : false), {
      timeoutMs: 60_000,
      what: 'the entry recorded',
    })
    expect(rows).toEqual([{ audience_id: 'big-spenders', person_id: 'p-kim', change: 'entered' }])
    expect(emitted.map((e) => [e.event, e.userId])).toEqual([['Audience Entered', 'kim']])
  }, 120_000)
})
