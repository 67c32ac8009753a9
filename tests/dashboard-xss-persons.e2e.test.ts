import Fastify, { type FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger } from '../packages/runtime/src/index.js'
import { registerDashboard } from '../services/dashboard/src/index.js'
import { launchChromium } from './helpers/browser.js'
import { openShopWarehouse, utcMidnight, type ShopWarehouse } from './helpers/shop.js'

// The dashboard's per-person list (the dormant customers) against hostile person ids, in real chDB
// and real Chromium: each id is shown as text, never parsed as markup (dashboard-xss.e2e.test.ts
// covers the names of products, sources and stores).
const ANALYST = 'analyst_dashboard_xss_persons_0123'
const DAY = 86_400_000
const TO = new Date(utcMidnight().getTime() - DAY).toISOString().slice(0, 10)
const HOSTILE = [
  `<img src=x onerror="window.__xss=1">`,
  `"><svg onload=window.__xss=1>`,
  `</script><script>window.__xss=1</script>`,
  `</td><img src=x onerror="window.__xss=1">`,
]

/** One order of `revenue`, `daysAgo` days before the end of the range. */
function order(id: string, daysAgo: number, revenue: number): EnrichedEvent {
  const at = new Date(Date.parse(`${TO}T08:00:00Z`) - daysAgo * DAY).toISOString()
  return {
    type: 'track',
    event: 'Order Completed',
    messageId: `${id}-order`,
    anonymousId: `anon-${id}`,
    sourceId: 'web',
    timestamp: at,
    receivedAt: at,
    context: { library: { name: 'sillage.js' } },
    properties: { order_id: `o-${id}`, revenue, currency: 'EUR', products: [] },
  } as unknown as EnrichedEvent
}

let wh: ShopWarehouse
let app: FastifyInstance
let browser: Browser
let url = ''
beforeAll(async () => {
  wh = await openShopWarehouse()
  // The hostile ids ordered once, long ago and little: the dormant fifth of twenty customers.
  const rows = HOSTILE.map((personId, i) => ({ event: order(`h${i}`, 300 + i, 1), personId }))
  for (let i = 0; i < 16; i++) {
    const personId = `regular-${String(i).padStart(2, '0')}`
    for (let k = 0; k < 3; k++) rows.push({ event: order(`r${i}-${k}`, 1 + i + k, 100), personId })
  }
  await wh.insert(rows)
  app = Fastify()
  registerDashboard(app, {
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    adminToken: 'admin_dashboard_xss_persons_0123',
    analystToken: ANALYST,
  })
  url = await app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
  await wh?.close()
})

describe('the dormant customers with hostile person ids', () => {
  it('shows each id as text', async () => {
    const page = await browser.newPage()
    page.on('dialog', (d) => void d.dismiss())
    await page.goto(`${url}/dashboard/`)
    await page.fill('#token', ANALYST)
    await Promise.all([page.waitForURL(`${url}/dashboard/`), page.click('button[type=submit]')])
    await page.goto(`${url}/dashboard/?from=${TO}&to=${TO}&lang=en-GB`)
    await page.waitForSelector('body[data-state="ready"]')
    const shown = await page.$$eval('#dormant tbody td:first-child', (tds) => tds.map((td) => td.textContent))
    expect(shown.sort()).toEqual([...HOSTILE].sort())
    expect(await page.locator('#dormant img, #dormant svg, #dormant script').count()).toBe(0)
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined()
    await page.close()
  })
})
