import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import { suppressionKey } from '@sillage/identifiers'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createActivationRunner, type ActivationRunner } from '../audiences/activation-runner.js'

// An erased person's events stay in events.raw (the local log keeps them until its retention): a
// trigger defined after the erasure reads the log from its start and must not fire for them.
// Real chDB, a real local bus, the runner as `sillage start` builds it.
const dir = mkdtempSync(join(tmpdir(), 'sillage-trigger-erased-'))
let warehouse: Warehouse
let bus: Bus
let runner: ActivationRunner | undefined

const signUp = (userId: string, messageId: string) => ({
  key: userId,
  value: Buffer.from(
    JSON.stringify({
      type: 'track',
      event: 'Signed Up',
      messageId,
      userId,
      timestamp: new Date().toISOString(),
      properties: {},
      context: { consent: { categories: ['marketing'] } },
    }),
  ),
})

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  bus = createLocalBus({ dir: join(dir, 'bus') })
  await bus.ensureTopics(defaultTopicSpecs(1))
  await bus.produce(TOPICS.raw, [signUp('u-erased', 'm-erased'), signUp('u-kept', 'm-kept')])
  // The erasure of u-erased, as the privacy service records it.
  const record = { idType: 'user_id', requestId: 'r-1', suppressedAt: new Date().toISOString() }
  await bus.produce(TOPICS.suppressions, [
    {
      key: suppressionKey({ type: 'user_id', value: 'u-erased' }),
      value: Buffer.from(JSON.stringify(record)),
    },
  ])
  writeFileSync(
    join(dir, 'audiences.json'),
    JSON.stringify({
      destinations: [{ id: 'out', type: 'file', format: 'ndjson', directory: 'exports' }],
      triggers: [{ id: 'welcome', event: 'Signed Up', destinations: ['out'] }],
    }),
  )
})
afterAll(async () => {
  await runner?.stop()
  await bus?.close()
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

const firedUsers = async (): Promise<string[]> => {
  const rs = await warehouse.client.query({
    query: 'SELECT DISTINCT user_id FROM sillage.trigger_firings ORDER BY user_id',
    format: 'JSONEachRow',
  })
  return (await rs.json<{ user_id: string }>()).map((r) => r.user_id)
}

describe('a trigger over the events of an erased person', () => {
  it('fires for the others, never for them', async () => {
    runner = createActivationRunner({
      warehouse,
      bus,
      log: createLogger({ level: 'silent' }),
      registry: createMetricsRegistry({ defaultMetrics: false }),
      options: {
        enabled: true,
        file: join(dir, 'audiences.json'),
        dataDir: dir,
        syncIntervalMs: 3_600_000,
        deliveryIntervalMs: 100,
        secrets: {},
      },
    })
    runner.start()
    await expect.poll(firedUsers, { timeout: 30_000 }).toEqual(['u-kept'])
    // The erased person's event was read too (same batch): it did not fire later either.
    await runner.stop()
    runner = undefined
    expect(await firedUsers()).toEqual(['u-kept'])
  })
})
