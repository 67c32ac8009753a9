import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { parseActivationFile } from '../domain/activation-file.js'
import { createDeliveryWorker } from '../destinations/delivery-worker.js'
import { createAudienceSync } from './audience-sync.js'

// A destination connected to an audience that already has a history gets the audience's current
// (consented) members at the first sync after it is added, not the history, and the destinations
// that had them get nothing again. Real chDB, real receivers on 127.0.0.1.
const dir = mkdtempSync(join(tmpdir(), 'sillage-new-destination-'))
let warehouse: Warehouse
const got = new Map<string, string[]>()
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c.toString()))
  req.on('end', () => {
    const items = (JSON.parse(body) as { items: Array<{ type: string; person_id: string }> }).items
    const path = req.url ?? ''
    got.set(path, [...(got.get(path) ?? []), ...items.map((i) => `${i.type} ${i.person_id}`)])
    res.writeHead(200).end()
  })
})
let base = ''
const T0 = Date.now() - 3_600_000
let n = 0

/** A Consent Updated event of a person, `minutes` after T0. */
async function consent(person: string, categories: string[], minutes: number) {
  const at = new Date(T0 + minutes * 60_000).toISOString().replace('T', ' ').replace('Z', '')
  await warehouse.client.insert({
    table: 'sillage.events',
    format: 'JSONEachRow',
    values: [
      {
        message_id: `consent-${person}-${++n}`,
        type: 'track',
        event: 'Consent Updated',
        timestamp: at,
        received_at: at,
        user_id: `u-${person}`,
        person_id: person,
        source_id: 'web',
        properties: JSON.stringify({ categories }),
        consent: JSON.stringify({ categories }),
      },
    ],
  })
}

const defs = (destinations: string[]) =>
  parseActivationFile(
    JSON.stringify({
      destinations: [
        { id: 'd1', type: 'webhook', url: `${base}/d1` },
        { id: 'd2', type: 'webhook', url: `${base}/d2` },
        { id: 'd3', type: 'webhook', url: `${base}/d3` },
      ],
      // Members: marketing consent without analytics consent (p0 leaves while still contactable).
      audiences: [{ id: 'opted', rule: 'consent.marketing and not consent.analytics', destinations }],
    }),
  )
const deps = () => ({
  warehouse,
  log: createLogger({ level: 'silent' }),
  registry: createMetricsRegistry({ defaultMetrics: false }),
})
const sync = (destinations: string[]) =>
  createAudienceSync({ ...deps(), emit: async () => {} }).syncAll(defs(destinations).audiences)
/** A delivery run; what each receiver got. */
async function deliver(destinations: string[]) {
  got.clear()
  const worker = createDeliveryWorker({ ...deps(), secretOf: () => 'sec', dataDir: dir })
  await worker.deliverAll(defs(destinations), { only: 'audiences' })
  console.log(JSON.stringify([...got]))
  const of = (d: string) => (got.get(`/${d}`) ?? []).sort()
  return destinations.includes('d3')
    ? { d1: of('d1'), d2: of('d2'), d3: of('d3') }
    : { d1: of('d1'), d2: of('d2') }
}
/** The sync job of the runner: sync every audience, then deliver. */
async function syncAndDeliver(destinations: string[]) {
  await sync(destinations)
  return deliver(destinations)
}

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await warehouse?.close()
  await new Promise<void>((r) => server.close(() => r()))
  rmSync(dir, { recursive: true, force: true })
})

describe('a destination connected to an existing audience', () => {
  it('receives the current consented members once; the others get nothing again', async () => {
    for (const p of ['p0', 'p1', 'p2', 'p3']) await consent(p, ['marketing'], 0)
    expect(await syncAndDeliver(['d1'])).toEqual({
      d1: ['audience.entered p0', 'audience.entered p1', 'audience.entered p2', 'audience.entered p3'],
      d2: [],
    })
    await consent('p0', ['marketing', 'analytics'], 1)
    await consent('p2', [], 1)
    expect(await syncAndDeliver(['d1'])).toEqual({
      d1: ['audience.exited p0', 'audience.exited p2'],
      d2: [],
    })

    // p3 withdraws, then d2 is connected: the first sync sees both. p0 and p2 left earlier.
    await consent('p3', [], 2)
    expect(await syncAndDeliver(['d1', 'd2'])).toEqual({
      d1: ['audience.exited p3'],
      d2: ['audience.entered p1'],
    })
    expect(await syncAndDeliver(['d1', 'd2'])).toEqual({ d1: [], d2: [] })

    // From then on d2 follows the changes like d1.
    await consent('p4', ['marketing'], 3)
    await consent('p1', [], 3)
    expect(await syncAndDeliver(['d1', 'd2'])).toEqual({
      d1: ['audience.entered p4', 'audience.exited p1'].sort(),
      d2: ['audience.entered p4', 'audience.exited p1'].sort(),
    })
  })

  it('does not send a new destination a member who withdrew consent since the last sync', async () => {
    await consent('p5', ['marketing'], 4)
    expect(await syncAndDeliver(['d1', 'd2'])).toEqual({
      d1: ['audience.entered p5'],
      d2: ['audience.entered p5'],
    })
    // p5 withdraws; d3 is connected and a delivery runs before the next sync.
    await consent('p5', [], 5)
    expect(await deliver(['d1', 'd2', 'd3'])).toEqual({ d1: [], d2: [], d3: ['audience.entered p4'] })
    // The sync records p5's exit: to the destinations that had them, never to d3.
    expect(await syncAndDeliver(['d1', 'd2', 'd3'])).toEqual({
      d1: ['audience.exited p5'],
      d2: ['audience.exited p5'],
      d3: [],
    })
    // Consent given again: p5 enters everywhere, d3 included.
    await consent('p5', ['marketing'], 6)
    expect(await syncAndDeliver(['d1', 'd2', 'd3'])).toEqual({
      d1: ['audience.entered p5'],
      d2: ['audience.entered p5'],
      d3: ['audience.entered p5'],
    })
  })
})
