import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate } from '@sillage/warehouse'
import { createIdentityService } from './identity-service.js'

/**
 * What identity drops as a duplicate of a stored event (docs/identity.md, "What a duplicate is"),
 * with the real local bus and real chDB: a later event with a stored messageId and a client
 * timestamp of the same UTC day (a resend, however spelt, or a retry that set a new timestamp),
 * whatever its received_at; the same messageId on another day is another event.
 */
const dir = mkdtempSync(join(tmpdir(), 'sillage-resend-'))
const warehouse = createWarehouse({ database: 'resend_test', dataDir: dir })
const bus = createLocalBus({ dir: join(dir, 'bus') })
const service = createIdentityService({
  bus,
  warehouse,
  log: createLogger({ level: process.env.SILLAGE_TEST_LOG ?? 'silent' }),
  registry: createMetricsRegistry(),
})
afterAll(async () => {
  await service.stop()
  await bus.close()
  await warehouse.close()
  rmSync(dir, { recursive: true, force: true })
})

const event = (messageId: string, timestamp: string | undefined, receivedAt: string) => ({
  key: 'device-1',
  value: Buffer.from(
    JSON.stringify({
      type: 'track',
      event: 'Product Viewed',
      messageId,
      anonymousId: 'device-1',
      ...(timestamp !== undefined && { timestamp, originalTimestamp: timestamp }),
      receivedAt,
      sourceId: 'test',
      context: {},
      properties: {},
    }),
  ),
})

async function produceAndWait(records: ReturnType<typeof event>[]): Promise<void> {
  await bus.produce(TOPICS.raw, records)
  await vi.waitFor(
    async () => {
      const offsets = await bus.offsets(TOPICS.raw, 'identity')
      if (!offsets.every((p) => p.committed === p.end)) throw new Error('identity has not committed yet')
    },
    { timeout: 30_000, interval: 100 },
  )
}

describe('identity drops resent events', () => {
  it('drops resends and same-day retries of a stored messageId, and keeps its reuse on another day', async () => {
    await migrate(warehouse)
    await bus.ensureTopics(defaultTopicSpecs(1))
    await service.start()
    const first = '2026-03-02T10:00:00.000Z'
    await produceAndWait([
      event('uuid-a', '2026-03-02T10:00:30.250Z', first),
      event('uuid-b', '2026-03-02T12:05:10.000+02:00', first),
      event('uuid-c', undefined, first),
    ])
    const later = '2026-03-02T11:00:00.000Z'
    await produceAndWait([
      event('uuid-a', '2026-03-02T10:00:30.250Z', later), // resent as stored
      event('uuid-b', '2026-03-02T10:05:10.000Z', later), // the same instant, spelt in UTC
      event('uuid-c', undefined, later), // no client timestamp, again
      event('uuid-d', '2026-03-02T10:59:00.000Z', later),
    ])
    // A retry that set a new timestamp the same day (an idempotency key resent by a job) is
    // dropped too; the id sent again with the next day's timestamp is another event.
    await produceAndWait([
      event('uuid-a', '2026-03-02T18:07:00.000Z', '2026-03-02T18:07:01.000Z'),
      event('uuid-d', '2026-03-03T09:00:00.000Z', '2026-03-03T09:00:01.000Z'),
    ])
    const rs = await warehouse.client.query({
      query: 'SELECT message_id, toString(received_at) AS r FROM resend_test.events ORDER BY message_id, r',
      format: 'JSONEachRow',
    })
    expect(await rs.json()).toEqual([
      { message_id: 'uuid-a', r: '2026-03-02 10:00:00.000' },
      { message_id: 'uuid-b', r: '2026-03-02 10:00:00.000' },
      { message_id: 'uuid-c', r: '2026-03-02 10:00:00.000' },
      { message_id: 'uuid-d', r: '2026-03-02 11:00:00.000' },
      { message_id: 'uuid-d', r: '2026-03-03 09:00:01.000' },
    ])
  })
})
