import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createActivationRunner, type ActivationRunner } from './activation-runner.js'

// Two webhooks on one audience, the first a receiver on 127.0.0.1 that takes the request and
// never answers (a long timeout, many attempts): the second still gets every change, and syncs go
// on. Real chDB, a real local bus, the runner as `sillage start` runs it.
const dir = mkdtempSync(join(tmpdir(), 'sillage-isolation-'))
let warehouse: Warehouse
let bus: Bus
let runner: ActivationRunner | undefined
let stuckHits = 0
const received: string[] = []
const stuck = createServer((req) => {
  stuckHits++
  req.resume()
})
const good = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c.toString()))
  req.on('end', () => {
    const { items } = JSON.parse(body) as { items: Array<{ type: string; person_id: string }> }
    for (const i of items) received.push(`${i.type} ${i.person_id}`)
    res.writeHead(200).end()
  })
})
const listen = async (s: Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`
}
const grantMarketing = (persons: readonly string[]) =>
  warehouse.client.insert({
    table: 'sillage.events',
    format: 'JSONEachRow',
    values: persons.map((p) => ({
      message_id: `consent-${p}`,
      type: 'track',
      event: 'Consent Updated',
      timestamp: '2026-01-01 00:00:00.000',
      received_at: '2026-01-01 00:00:00.000',
      person_id: p,
      properties: JSON.stringify({ categories: ['marketing'] }),
    })),
  })

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  bus = createLocalBus({ dir: join(dir, 'bus') })
  await bus.ensureTopics(defaultTopicSpecs(1))
  await grantMarketing(['p1'])
  const hook = { type: 'webhook', timeoutMs: 120_000, maxAttempts: 20 }
  writeFileSync(
    join(dir, 'audiences.json'),
    JSON.stringify({
      destinations: [
        { id: 'stuck', url: await listen(stuck), ...hook },
        { id: 'good', url: await listen(good), ...hook },
      ],
      audiences: [{ id: 'opted', rule: 'consent.marketing', destinations: ['stuck', 'good'] }],
    }),
  )
})
afterAll(async () => {
  // Stopping aborts the request the stuck receiver holds (it does not wait for its timeout).
  await runner?.stop()
  for (const s of [stuck, good]) {
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }
  await bus?.close()
  await warehouse?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a destination that never answers', () => {
  it('holds back neither the other destination, nor the next sync, nor a sync asked for', async () => {
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
        secrets: { SILLAGE_DESTINATION_SECRET_STUCK: 'sec', SILLAGE_DESTINATION_SECRET_GOOD: 'sec' },
      },
    })
    runner.start()
    await expect.poll(() => received, { timeout: 30_000 }).toEqual(['audience.entered p1'])
    expect(stuckHits).toBe(1)

    // A later change: the sync is not queued behind the stuck delivery, and leaves at once.
    await grantMarketing(['p2'])
    expect(await runner.syncNow()).toMatchObject([{ audienceId: 'opted', entered: 1 }])
    await expect
      .poll(() => received, { timeout: 30_000 })
      .toEqual(['audience.entered p1', 'audience.entered p2'])
    expect(stuckHits).toBe(1)

    // `sillage audiences sync` through the running start delivers too: the stuck destination is
    // reported still in progress, not waited for.
    expect(await runner.deliverNow()).toEqual([
      expect.objectContaining({ destination: 'stuck', inProgress: true }),
      expect.objectContaining({ destination: 'good', delivered: 0 }),
    ])
  })
})
