import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger } from '../packages/runtime/src/index.js'
import { registerDashboard } from '../services/dashboard/src/index.js'
import { launchChromium } from './helpers/browser.js'
import { repoRoot } from './helpers/pipeline.js'
import { openShopWarehouse, utcMidnight, type ShopWarehouse } from './helpers/shop.js'

// The dashboard against hostile event content, in real chDB and real Chromium: markup in every
// name it shows (products, sources, stores), and a product name as long as an event allows. Names
// stay text, and a long one is cut to a few lines instead of stretching its table (and the page)
// over thousands of pixels. Screenshot: .cache/screenshots/dashboard-xss.png.
const ANALYST = 'analyst_dashboard_xss_0123456789'
const SHOTS = join(repoRoot, '.cache/screenshots')
const DAY = new Date(utcMidnight().getTime() - 86_400_000).toISOString().slice(0, 10)
const PAYLOADS = [
  `<img src=x onerror="window.__xss=1">`,
  `"><svg onload=window.__xss=1>`,
  `</script><script>window.__xss=1</script>`,
  `</style><img src=x onerror="window.__xss=1">`,
]
/** "\u202Egnp.exe" is displayed "exe.png": shown as its escape instead. */
const SPOOF = 'promo-\u202Egnp.exe'
/** A product name near the collector's 32 KB event limit. */
const LONG_NAME = `long-${'W'.repeat(28_000)}`

function order(i: number, name: string, source: string): EnrichedEvent[] {
  const at = (m: number) => new Date(Date.parse(`${DAY}T08:00:00Z`) + (i * 2 + m) * 60_000).toISOString()
  const base = { anonymousId: `anon-${i}`, sourceId: 'web', context: { library: { name: 'sillage.js' } } }
  const page = {
    ...base,
    type: 'page',
    messageId: `${i}-page`,
    timestamp: at(0),
    receivedAt: at(0),
    context: { ...base.context, campaign: { source }, page: { url: 'javascript:window.__xss=1', path: '/' } },
    properties: { url: 'javascript:window.__xss=1', path: '/', title: name },
  }
  const product = { product_id: `p-${i}`, name, price: 10, quantity: 1 }
  const done = {
    ...base,
    type: 'track',
    event: 'Order Completed',
    messageId: `${i}-order`,
    timestamp: at(1),
    receivedAt: at(1),
    properties: { order_id: `o-${i}`, revenue: 10, currency: 'EUR', store_id: name, products: [product] },
  }
  return [page, done] as unknown as EnrichedEvent[]
}

let wh: ShopWarehouse
let app: FastifyInstance
let browser: Browser
let url = ''
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  wh = await openShopWarehouse()
  const names = [...PAYLOADS, LONG_NAME, SPOOF]
  await wh.insert(
    names.flatMap((name, i) => order(i, name, name).map((event) => ({ event, personId: `p${i}` }))),
  )
  app = Fastify()
  registerDashboard(app, {
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    adminToken: 'admin_dashboard_xss_0123456789',
    analystToken: ANALYST,
    audiences: async () => [],
  })
  url = await app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
  await wh?.close()
})

async function signIn(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
  page.on('dialog', (d) => void d.dismiss())
  await page.goto(`${url}/dashboard/`)
  await page.fill('#token', ANALYST)
  await Promise.all([page.waitForURL(`${url}/dashboard/`), page.click('button[type=submit]')])
  await page.goto(`${url}/dashboard/?from=${DAY}&to=${DAY}&lang=en-GB`)
  await page.waitForSelector('body[data-state="ready"]')
  return page
}

describe('dashboard with hostile event content', () => {
  it('shows markup in names as text and cuts a 28 KB product name to a few lines', async () => {
    const page = await signIn()
    const shown = await page.$$eval('#products tbody td:first-child', (tds) =>
      tds.map((td) => td.textContent),
    )
    expect(shown.sort()).toEqual([...PAYLOADS, LONG_NAME, 'promo-\\u202Egnp.exe'].sort())
    const sources = await page.$$eval('#by-source tbody td:first-child', (tds) =>
      tds.map((td) => td.textContent),
    )
    expect(sources).toEqual(expect.arrayContaining([...PAYLOADS, 'promo-\\u202Egnp.exe']))
    const menu = await page.$$eval('#source option', (os) => os.map((o) => [o.textContent, o.value]))
    expect(menu).toContainEqual(['promo-\\u202Egnp.exe', SPOOF])
    for (const table of ['#products', '#by-source', '#by-store'])
      expect(await page.locator(`${table} img, ${table} svg, ${table} script`).count(), table).toBe(0)
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined()

    // The long name: a few lines on the page, its whole text in the tooltip.
    const height = async (sel: string) => (await page.locator(sel).first().boundingBox())?.height ?? Infinity
    expect(await height('#products tbody tr:has-text("long-WWW")')).toBeLessThan(100)
    expect(await height('#products')).toBeLessThan(600)
    const titles = await page.$$eval('#products tbody td:first-child [title]', (es) => es.map((e) => e.title))
    expect(titles).toContain(LONG_NAME)
    await page.screenshot({ path: join(SHOTS, 'dashboard-xss.png'), fullPage: true })
    await page.close()
  })
})
