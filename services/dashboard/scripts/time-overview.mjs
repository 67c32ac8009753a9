/* global performance */
// Times the dashboard's overview on a generated shop in embedded chDB (after `pnpm build`):
//
//   node services/dashboard/scripts/time-overview.mjs            (SHOPPERS=1000 DAYS=180 RUNS=5)
//
// Prints each query alone, the queries run one after another and all at once (does chDB run
// them in parallel?), buildOverview cold (as the route calls it on a cache miss) and, when the
// build exports it, the route's cache on a hit. Timings only: nothing is asserted.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { createLogger } from '../../../packages/runtime/dist/index.js'
import { generateShop } from '../../../packages/testkit/dist/index.js'
import { createWarehouse, migrate } from '../../../packages/warehouse/dist/index.js'
import { toEventRow } from '../../identity/dist/index.js'
import * as dashboard from '../dist/index.js'

const SHOPPERS = Number(process.env.SHOPPERS ?? 1000)
const DAYS = Number(process.env.DAYS ?? 180)
const RUNS = Number(process.env.RUNS ?? 5)
const DAY = 86_400_000
const day = (ms) => new Date(ms).toISOString().slice(0, 10)

const end = Math.floor(Date.now() / DAY) * DAY
const shop = generateShop({ seed: 21, shoppers: SHOPPERS, days: DAYS, end: new Date(end) })
const dir = mkdtempSync(join(tmpdir(), 'sillage-time-overview-'))
const warehouse = createWarehouse({ database: 'sillage', dataDir: dir })
try {
  await migrate(warehouse)
  const rows = shop.events.map((g) =>
    toEventRow({ ...g.event, receivedAt: g.event.timestamp, sourceId: g.source }, g.personKey),
  )
  for (let i = 0; i < rows.length; i += 20_000)
    await warehouse.client.insert({
      table: 'sillage.events',
      values: rows.slice(i, i + 20_000),
      format: 'JSONEachRow',
    })
  console.log(`${rows.length} events, ${SHOPPERS} shoppers, ${DAYS} days; last 30 days, ${RUNS} runs`)

  const q = dashboard.createDashboardQueries(warehouse)
  const filters = dashboard.parseFilters({ from: day(end - 30 * DAY), to: day(end - DAY) }, day(end - DAY))
  if (!filters.ok) throw new Error(filters.problem)
  const f = filters.filters
  const prev = dashboard.previousPeriod(f)
  const work = {
    kpis: () => q.kpis(f, prev, 10),
    topProducts: () => q.topProducts(f, 10),
    rfm: () => q.rfm(f),
    transitions: () => q.transitions(f),
    dormant: () => q.dormant(f, 10),
    byStore: () => q.byStore(f),
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const time = async (fn) => {
    const t = performance.now()
    await fn()
    return performance.now() - t
  }
  const report = async (name, fn) => {
    await fn() // warm-up
    const ts = []
    for (let i = 0; i < RUNS; i++) ts.push(await time(fn))
    console.log(
      `${name.padEnd(28)} median ${median(ts).toFixed(0).padStart(5)} ms  (min ${Math.min(...ts).toFixed(0)}, max ${Math.max(...ts).toFixed(0)})`,
    )
  }
  for (const [name, fn] of Object.entries(work)) await report(`  ${name}`, fn)
  await report('queries one by one', async () => {
    for (const fn of Object.values(work)) await fn()
  })
  await report('queries all at once', () => Promise.all(Object.values(work).map((fn) => fn())))
  await report('buildOverview', () => dashboard.buildOverview(q, f, []))
  // GET /dashboard/api/overview as the page asks for it: figures read at every request (the
  // route before its cache; overviewCacheMs 0), and kept (a hit: a reload, a second tab).
  for (const [name, overviewCacheMs] of [
    ['GET overview, no cache', 0],
    ['GET overview, cached', undefined],
  ]) {
    const app = Fastify()
    const token = 'time_overview_token_0123456789'
    const deps = { warehouse, log: createLogger({ level: 'silent' }), adminToken: token }
    dashboard.registerDashboard(app, overviewCacheMs === undefined ? deps : { ...deps, overviewCacheMs })
    await app.ready()
    const get = async () => {
      const res = await app.inject({
        url: `/dashboard/api/overview?from=${f.from}&to=${f.to}`,
        headers: { authorization: `Bearer ${token}` },
      })
      if (res.statusCode !== 200) throw new Error(res.body)
    }
    await report(name, get)
    await app.close()
  }
} finally {
  await warehouse.close()
  rmSync(dir, { recursive: true, force: true })
}
