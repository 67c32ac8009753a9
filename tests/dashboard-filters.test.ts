import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../packages/runtime/src/index.js'
import { registerDashboard, type Overview } from '../services/dashboard/src/index.js'
import {
  generateShop,
  openShopWarehouse,
  toEnriched,
  utcMidnight,
  type ShopWarehouse,
} from './helpers/shop.js'

// Hostile filters on the overview, against real chDB: each is a 400 SIL_DASHBOARD_FILTER_INVALID
// naming the problem, never a 503 from the warehouse nor a silently different answer.
const ADMIN = 'admin_dashboard_filters_0123456789'
const shop = generateShop({ seed: 5, shoppers: 30, days: 20, end: utcMidnight() })

let wh: ShopWarehouse
let app: FastifyInstance
beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert(shop.events.map((g) => ({ event: toEnriched(g), personId: g.personKey })))
  app = Fastify()
  registerDashboard(app, {
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    adminToken: ADMIN,
  })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await wh?.close()
})

const overview = (query: string) =>
  app.inject({ url: `/dashboard/api/overview?${query}`, headers: { authorization: `Bearer ${ADMIN}` } })

describe('dashboard filters the warehouse cannot answer', () => {
  it('refuses days outside ClickHouse Date (1970-01-01 to 2149-06-06) with 400, not 503', async () => {
    for (const query of [
      'from=0000-01-01&to=0000-01-31',
      'from=9999-12-01&to=9999-12-31',
      'from=1969-12-01&to=1970-01-10',
      'from=2149-06-01&to=2149-06-07',
    ]) {
      const res = await overview(query)
      expect(res.statusCode, query).toBe(400)
      expect(res.json(), query).toEqual({
        success: false,
        code: 'SIL_DASHBOARD_FILTER_INVALID',
        message: expect.stringMatching(/^(from|to) must be between 1970-01-01 and 2149-06-06$/),
      })
    }
  })

  it('answers the first and the last days it can hold', async () => {
    for (const query of ['from=1970-01-01&to=1970-01-10', 'from=2149-05-20&to=2149-06-06']) {
      const res = await overview(query)
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json<Overview>().tiles.find((t) => t.name === 'visits')?.value).toBe(0)
    }
  })

  it('refuses a filter given twice instead of answering for all channels', async () => {
    const res = await overview('channel=web&channel=app')
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({
      success: false,
      code: 'SIL_DASHBOARD_FILTER_INVALID',
      message: 'channel may be given only once',
    })
    expect((await overview('from=2026-01-01&from=2026-02-01')).json()).toMatchObject({
      message: 'from may be given only once',
    })
    expect((await overview('channel=web')).statusCode).toBe(200)
  })
})
