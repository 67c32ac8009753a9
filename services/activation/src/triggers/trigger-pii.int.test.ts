import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Bus } from '@sillage/bus'
import { hashPii } from '@sillage/identifiers'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createTriggerStore } from '../adapters/clickhouse-triggers.js'
import { parseActivationFile } from '../domain/activation-file.js'
import { createDeliveryWorker } from '../destinations/delivery-worker.js'
import { createTriggerConsumer } from './trigger-consumer.js'

// A firing's properties leave Sillage without the PII the collector's top-level rules miss:
// real chDB, a real receiver on 127.0.0.1, the body as it arrived.
const dir = mkdtempSync(join(tmpdir(), 'sillage-trigger-pii-'))
let warehouse: Warehouse
const bodies: string[] = []
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c.toString()))
  req.on('end', () => {
    bodies.push(body)
    res.writeHead(200).end()
  })
})
let url = ''
const CLEAR = ['ada@example.com', '+33 6 12 34 56 78', 'b@example.com', '1 rue de la Paix', 'Lovelace']
const properties = () => ({
  value: 150,
  billing: { email: 'ada@example.com', billing_address: '1 rue de la Paix' },
  customer: { Phone: '+33 6 12 34 56 78', lastName: 'Lovelace' },
  products: [{ product_id: 'p1', name: 'Mug', contact: { email: 'b@example.com' } }],
})
const nested = {
  value: 150,
  billing: { email: hashPii('email', 'ada@example.com') },
  customer: { Phone: hashPii('phone', '+33 6 12 34 56 78') },
  products: [{ product_id: 'p1', name: 'Mug', contact: { email: hashPii('email', 'b@example.com') } }],
}

const defs = () =>
  parseActivationFile(
    JSON.stringify({
      destinations: [{ id: 'hook', type: 'webhook', url }],
      triggers: [{ id: 'big', event: 'Cart Abandoned', where: 'value > 100', destinations: ['hook'] }],
    }),
  )
const deps = () => ({
  warehouse,
  log: createLogger({ level: 'silent' }),
  registry: createMetricsRegistry({ defaultMetrics: false }),
})
const deliveredProperties = async () => {
  const before = bodies.length
  await createDeliveryWorker({ ...deps(), secretOf: () => 'sec', dataDir: dir }).deliverAll(defs())
  const sent = bodies.slice(before)
  for (const b of sent) for (const c of CLEAR) expect(b).not.toContain(c)
  return sent.flatMap(
    (b) => (JSON.parse(b) as { items: Array<{ properties: { properties: unknown } }> }).items,
  )
}

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
})
afterAll(async () => {
  await warehouse?.close()
  await new Promise<void>((r) => server.close(() => r()))
  rmSync(dir, { recursive: true, force: true })
})

describe('trigger payloads: no nested PII leaves', () => {
  it('records and delivers a firing with nested emails, phones and names hashed or dropped', async () => {
    const consumer = createTriggerConsumer({ ...deps(), bus: {} as Bus, triggers: defs().triggers })
    const fired = await consumer.handle([
      {
        type: 'track',
        event: 'Cart Abandoned',
        messageId: 'm-nested',
        userId: 'u-1',
        timestamp: new Date().toISOString(),
        properties: properties(),
        context: { consent: { categories: ['marketing'] } },
      },
    ])
    expect(fired).toHaveLength(1)
    // What trigger_firings keeps is scrubbed already.
    const stored = JSON.stringify(fired[0]!.payload)
    for (const c of CLEAR) expect(stored).not.toContain(c)
    const items = await deliveredProperties()
    expect(items.map((i) => i.properties.properties)).toEqual([nested])
  })

  it('scrubs on the way out a firing recorded before nested scrubbing existed', async () => {
    await createTriggerStore(warehouse).record([
      {
        triggerId: 'big',
        userId: 'u-2',
        anonymousId: '',
        windowStart: Date.now(),
        messageId: 'legacy-firing',
        eventMessageId: 'm-legacy',
        payload: { event: 'Cart Abandoned', properties: properties() },
        firedAt: Date.now(),
      },
    ])
    const items = await deliveredProperties()
    expect(items.map((i) => i.properties.properties)).toEqual([nested])
  })
})
