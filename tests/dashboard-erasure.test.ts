import { createHash } from 'node:crypto'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { createLogger } from '../packages/runtime/src/index.js'
import { createAdminStack } from '../services/admin/src/index.js'
import { registerDashboard, type Overview } from '../services/dashboard/src/index.js'
import { tempDir } from './helpers/pipeline.js'
import {
  generateShop,
  openShopWarehouse,
  toEnriched,
  utcMidnight,
  type ShopWarehouse,
} from './helpers/shop.js'

// Erasure reaches the dashboard at once (docs/privacy.md, docs/dashboard.md): a person listed in
// a view the dashboard keeps (the dormant customers) is absent from the very next read once the
// admin API has acknowledged their erasure, with the default 30 s cache. Real chDB and the local
// bus; the privacy admin on the dashboard's app, as `sillage start` composes them, and on a server
// of its own, as in pipeline mode, where the dashboard learns of it only through ClickHouse.
const TOKEN = 'admin_dashboard_erasure_0123456789'
const shop = generateShop({ seed: 23, shoppers: 150, days: 150, end: utcMidnight() })
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const VIEW = { from: day(shop.end - 30 * 86_400_000), to: day(shop.end - 86_400_000) }
/** Person ids as identity writes them (32 hex digits), so that the admin API accepts them. */
const personOf = (key: string) => createHash('md5').update(key).digest('hex')

const log = createLogger({ level: 'silent' })
const dir = tempDir('sillage-dashboard-erasure-')
let wh: ShopWarehouse
let bus: Bus
let app: FastifyInstance
let standalone: FastifyInstance

beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert(shop.events.map((g) => ({ event: toEnriched(g), personId: personOf(g.personKey) })))
  bus = createLocalBus({ dir: join(dir.path, 'bus') })
  await bus.ensureTopics(defaultTopicSpecs(1))
  // `sillage start`: the dashboard and the privacy admin on one app (apps/sillage/src/start.ts).
  app = Fastify()
  registerDashboard(app, { warehouse: wh.warehouse, log, adminToken: TOKEN })
  createAdminStack({ app, warehouse: wh.warehouse, bus, log, token: TOKEN, drainTimeoutMs: 1_000 })
  await app.ready()
  // Pipeline mode: the admin service's own server, over the same ClickHouse.
  standalone = createAdminStack({
    warehouse: wh.warehouse,
    bus,
    log,
    token: TOKEN,
    drainTimeoutMs: 1_000,
  }).app
  await standalone.ready()
})
afterAll(async () => {
  await standalone?.close()
  await app?.close()
  await bus?.close()
  await wh?.close()
  dir.remove()
})

const auth = { authorization: `Bearer ${TOKEN}` }
async function read(url: string): Promise<{ body: string; json: Overview }> {
  const res = await app.inject({ url, headers: auth })
  expect(res.statusCode, res.body).toBe(200)
  return { body: res.body, json: res.json<Overview>() }
}
const overview = () => read(`/dashboard/api/overview?${new URLSearchParams(VIEW).toString()}`)

async function erase(via: FastifyInstance, personId: string): Promise<void> {
  const res = await via.inject({
    method: 'POST',
    url: '/admin/privacy/erasure',
    headers: auth,
    payload: { type: 'person_id', value: personId },
  })
  expect(res.statusCode, res.body).toBe(200)
  expect(res.json<{ persons: number }>().persons).toBe(1)
}

describe('the dashboard after an erasure', () => {
  for (const [mode, via] of [
    ['on the same app (sillage start)', () => app],
    ['through a separate admin server (pipeline mode)', () => standalone],
  ] as const) {
    it(`lists an erased person in no view from the next read on: ${mode}`, async () => {
      const first = await overview()
      const erased = first.json.dormant.top[0]?.personId
      expect(erased, 'a dormant customer is listed').toMatch(/^[0-9a-f]{32}$/)
      // The view is kept: the same figures, read once.
      const kept = await overview()
      expect(kept.json.asOf).toBe(first.json.asOf)
      expect(kept.json.dormant.top[0]?.personId).toBe(erased)

      await erase(via(), erased!)

      const next = await overview()
      expect(next.json.dormant.top.map((p) => p.personId)).not.toContain(erased)
      expect(next.body).not.toContain(erased!)
      expect(next.json.dormant.people).toBe(first.json.dormant.people - 1)
      const people = (o: Overview) => o.rfm.reduce((n, s) => n + s.people, 0)
      expect(people(next.json)).toBe(people(first.json) - 1)
      expect((await read('/dashboard/api/options')).body).not.toContain(erased!)
      // Kept again from then on.
      expect((await overview()).json.asOf).toBe(next.json.asOf)
    })
  }
})
