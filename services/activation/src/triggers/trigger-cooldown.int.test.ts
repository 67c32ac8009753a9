import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { parseActivationFile } from '../domain/activation-file.js'
import { createTriggerConsumer } from './trigger-consumer.js'

// The rolling cool-down against real chDB: each consumer below is a fresh one (a restart, or
// another instance), so what it knows of earlier firings is what ClickHouse recorded.
const dir = mkdtempSync(join(tmpdir(), 'sillage-cooldown-'))
let warehouse: Warehouse
const H = 3_600_000
const T0 = Date.UTC(2026, 0, 10, 23, 50)
const defs = parseActivationFile(
  JSON.stringify({
    destinations: [{ id: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
    triggers: [{ id: 'big', event: 'Cart Abandoned', cooldownHours: 24, destinations: ['hook'] }],
  }),
)
const cart = (id: string, at: number, userId = 'u-1') => ({
  type: 'track',
  event: 'Cart Abandoned',
  messageId: id,
  userId,
  timestamp: new Date(at).toISOString(),
  properties: { value: 120 },
  context: { consent: { categories: ['marketing'] } },
})
const consumer = () =>
  createTriggerConsumer({
    bus: {} as Bus,
    warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    triggers: defs.triggers,
  })

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
})
afterAll(async () => {
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('triggers: once per person per rolling cool-down, across restarts', () => {
  it('fires, then holds for 24 h from the firing, whichever process sees the next event', async () => {
    const first = await consumer().handle([cart('c1', T0)])
    expect(first.map((f) => f.eventMessageId)).toEqual(['c1'])
    // 20 minutes later, past midnight: an epoch-aligned day bucket would fire again.
    expect(await consumer().handle([cart('c2', T0 + 20 * 60_000)])).toEqual([])
    // The same event re-read after a restart: nothing new, and the same id if it had fired.
    expect(await consumer().handle([cart('c1', T0)])).toEqual([])
    // Just inside the 24 h, then at 24 h from the firing (not from the suppressed c2).
    expect(await consumer().handle([cart('c3', T0 + 24 * H - 60_000)])).toEqual([])
    const again = await consumer().handle([cart('c4', T0 + 24 * H)])
    expect(again.map((f) => f.eventMessageId)).toEqual(['c4'])
    expect(again[0]!.messageId).not.toBe(first[0]!.messageId)
    // Another person is not held back by u-1's cool-down.
    expect((await consumer().handle([cart('c5', T0 + 60_000, 'u-2')])).map((f) => f.userId)).toEqual(['u-2'])
  })

  it('counts the consent an earlier event of the same batch stated, granted or withdrawn', async () => {
    const consent = (id: string, userId: string, categories: string[]) => ({
      type: 'track',
      event: 'Consent Updated',
      messageId: id,
      userId,
      timestamp: new Date(T0 + 200 * H).toISOString(),
      properties: { categories },
    })
    const bare = (id: string, userId: string) => ({ ...cart(id, T0 + 200 * H + 1000, userId), context: {} })
    // Nothing stored for these users: only the batch says what they consented to.
    const granted = await consumer().handle([consent('g1', 'u-g', ['marketing']), bare('g2', 'u-g')])
    expect(granted.map((f) => f.eventMessageId)).toEqual(['g2'])
    const withdrawn = await consumer().handle([
      consent('w1', 'u-w', ['analytics', 'marketing']),
      consent('w2', 'u-w', ['analytics']),
      bare('w3', 'u-w'),
    ])
    expect(withdrawn).toEqual([])
  })

  it('within one batch, the first event opens the cool-down for the next', async () => {
    const fired = await consumer().handle([cart('d1', T0 + 100 * H, 'u-3'), cart('d2', T0 + 101 * H, 'u-3')])
    expect(fired.map((f) => f.eventMessageId)).toEqual(['d1'])
    const rows = await (
      await warehouse.client.query({
        query: "SELECT count() AS n FROM sillage.trigger_firings FINAL WHERE user_id = 'u-3'",
        format: 'JSONEachRow',
      })
    ).json<{ n: string }>()
    expect(Number(rows[0]!.n)).toBe(1)
  })
})
