/* global performance */
// The retail dashboard (/dashboard/): the page's weight and its time to first render on a
// generated shop in embedded chDB, in Chromium.
//
//   pnpm build && node bench/dashboard.mjs
//   SHOPPERS=2000 DAYS=180 RUNS=7 node bench/dashboard.mjs
//
// Seeds chDB with the testkit shop (as identity inserts rows), serves the dashboard from a Fastify
// app, signs in once, then opens /dashboard/ RUNS times in fresh browser contexts (cold cache)
// on the last 30 days. "Render" is the page's own mark (performance.mark('dashboard-rendered'):
// every tile and chart drawn) since navigation start; "api" is /dashboard/api/overview's
// response time, inside it. Bytes are what the page fetched: the HTML, scripts, styles (uPlot
// included) and the API's JSON, as served (no compression), and gzipped (behind a proxy that
// compresses).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import Fastify from 'fastify'
import { chromium } from 'playwright-core'
import { createLogger } from '../packages/runtime/dist/index.js'
import { generateShop } from '../packages/testkit/dist/index.js'
import { createWarehouse, migrate } from '../packages/warehouse/dist/index.js'
import { registerDashboard } from '../services/dashboard/dist/index.js'
import { toEventRow } from '../services/identity/dist/index.js'
import { machine } from './lib.mjs'

const SHOPPERS = Number(process.env.SHOPPERS ?? 1000)
const DAYS = Number(process.env.DAYS ?? 180)
const RUNS = Number(process.env.RUNS ?? 5)
const TOKEN = 'bench_dashboard_token_0123456789'
const DAY = 86_400_000

const end = new Date(Math.floor(Date.now() / DAY) * DAY)
const shop = generateShop({ seed: 21, shoppers: SHOPPERS, days: DAYS, end })
const dir = mkdtempSync(join(tmpdir(), 'sillage-bench-dashboard-'))
const warehouse = createWarehouse({ database: 'sillage', dataDir: dir })
await migrate(warehouse)
const rows = shop.events.map((g) =>
  toEventRow(
    { ...g.event, receivedAt: g.event.timestamp, sourceId: g.source, ...(g.ua ? { ua: g.ua } : {}) },
    g.personKey,
  ),
)
for (let i = 0; i < rows.length; i += 20_000) {
  await warehouse.client.insert({
    table: 'sillage.events',
    values: rows.slice(i, i + 20_000),
    format: 'JSONEachRow',
  })
}

const app = Fastify()
registerDashboard(app, { warehouse, log: createLogger({ level: 'silent' }), adminToken: TOKEN })
const url = await app.listen({ port: 0, host: '127.0.0.1' })
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
})

const day = (ms) => new Date(ms).toISOString().slice(0, 10)
const page = `${url}/dashboard/?from=${day(end - 30 * DAY)}&to=${day(end - DAY)}&lang=fr-FR`
const renders = []
const apis = []
let bytes = new Map()
for (let run = 0; run < RUNS; run++) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } })
  const auth = await context.request.post(`${url}/dashboard/login`, {
    form: { token: TOKEN },
    maxRedirects: 0,
  })
  if (auth.status() !== 303) throw new Error(`sign-in failed: ${auth.status()}`)
  const tab = await context.newPage()
  const sizes = new Map()
  tab.on('response', async (r) => {
    try {
      sizes.set(new URL(r.url()).pathname, (await r.body()).length)
    } catch {
      // redirects have no body
    }
  })
  await tab.goto(page)
  await tab.waitForSelector('body[data-state="ready"]', { timeout: 120_000 })
  const timing = await tab.evaluate(() => ({
    render: performance.getEntriesByName('dashboard-rendered')[0]?.startTime,
    api: performance.getEntriesByType('resource').find((e) => e.name.includes('/api/overview'))?.duration,
  }))
  renders.push(timing.render)
  apis.push(timing.api)
  bytes = sizes
  await context.close()
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const statics = [
  '/dashboard/',
  '/dashboard/dashboard.js',
  '/dashboard/render.js',
  '/dashboard/i18n.js',
  '/dashboard/dashboard.css',
  '/dashboard/vendor/uPlot.iife.min.js',
  '/dashboard/vendor/uPlot.min.css',
]
const served = await Promise.all(
  statics.map(async (p) => {
    const res = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    return Buffer.from(await res.arrayBuffer())
  }),
)
const gz = (b) => gzipSync(b, { level: 6 }).length
const apiBytes = bytes.get('/dashboard/api/overview') ?? 0
const apiJson = Buffer.from(
  await (
    await fetch(`${url}/dashboard/api/overview?from=${day(end - 30 * DAY)}&to=${day(end - DAY)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
  ).arrayBuffer(),
)
const total = served.reduce((s, b) => s + b.length, 0)
const totalGz = served.reduce((s, b) => s + gz(b), 0)

console.log(`machine: ${JSON.stringify(machine())}`)
console.log(
  `shop: ${SHOPPERS} shoppers, ${DAYS} days, ${rows.length} events; page: the last 30 days, fr-FR, 1600 px`,
)
for (const [i, p] of statics.entries())
  console.log(
    `  ${p.padEnd(38)} ${String(served[i].length).padStart(7)} B  ${String(gz(served[i])).padStart(6)} B gzip`,
  )
console.log(
  `  ${'/dashboard/api/overview (JSON)'.padEnd(38)} ${String(apiBytes || apiJson.length).padStart(7)} B  ${String(gz(apiJson)).padStart(6)} B gzip`,
)
console.log(
  `page: ${total + apiJson.length} B as served, ${totalGz + gz(apiJson)} B gzipped (of which uPlot ${served[5].length + served[6].length} B, ${gz(served[5]) + gz(served[6])} B gzipped)`,
)
console.log(
  `first render (ms since navigation, ${RUNS} cold runs): median ${Math.round(median(renders))}, min ${Math.round(Math.min(...renders))}, max ${Math.round(Math.max(...renders))}`,
)
console.log(`  of which /dashboard/api/overview: median ${Math.round(median(apis))} ms`)

await browser.close()
await app.close()
await warehouse.close()
rmSync(dir, { recursive: true, force: true })
