import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Browser, Page, Route } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger } from '../packages/runtime/src/index.js'
import { registerDashboard } from '../services/dashboard/src/index.js'
import { launchChromium } from './helpers/browser.js'
import { repoRoot } from './helpers/pipeline.js'
import { openShopWarehouse, utcMidnight, type ShopWarehouse } from './helpers/shop.js'

// The dashboard's states in real chDB and real Chromium: a shop that has sent nothing yet, the
// value axes of a quiet range, the browser's back and forward buttons over filter changes, and an
// older answer arriving after a newer one. Screenshot: .cache/screenshots/dashboard-empty-shop.png.
const ANALYST = 'analyst_dashboard_states_0123456789'
const SHOTS = join(repoRoot, '.cache/screenshots')
const DAY = new Date(utcMidnight().getTime() - 86_400_000).toISOString().slice(0, 10)
const QUIET = '2020-01-01'

/** One web visit with a €120 order on DAY. */
function visit(i: number): EnrichedEvent[] {
  const at = (m: number) => new Date(Date.parse(`${DAY}T09:00:00Z`) + (i * 5 + m) * 60_000).toISOString()
  const base = { anonymousId: `anon-${i}`, sourceId: 'web', context: { library: { name: 'sillage.js' } } }
  const page = {
    ...base,
    type: 'page',
    messageId: `${i}-page`,
    timestamp: at(0),
    receivedAt: at(0),
    context: { ...base.context, page: { url: 'https://shop.example/', path: '/' } },
    properties: { url: 'https://shop.example/', path: '/' },
  }
  const done = {
    ...base,
    type: 'track',
    event: 'Order Completed',
    messageId: `${i}-order`,
    timestamp: at(1),
    receivedAt: at(1),
    properties: { order_id: `o-${i}`, revenue: 120, currency: 'EUR' },
  }
  return [page, done] as unknown as EnrichedEvent[]
}

let wh: ShopWarehouse
let browser: Browser
const apps: FastifyInstance[] = []
async function serve(): Promise<string> {
  const app = Fastify()
  registerDashboard(app, {
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    adminToken: 'admin_dashboard_states_0123456789',
    analystToken: ANALYST,
    audiences: async () => [],
  })
  apps.push(app)
  return app.listen({ port: 0, host: '127.0.0.1' })
}
let emptyUrl = ''
let url = ''
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  wh = await openShopWarehouse()
  browser = await launchChromium()
  emptyUrl = await serve()
})
afterAll(async () => {
  await browser?.close()
  for (const app of apps) await app.close()
  await wh?.close()
})

/** Signs in; records the value axes' labels (uPlot draws them on a canvas) in `yLabels`. */
async function signIn(base: string, width: number, query: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 1000 } })
  await page.addInitScript(() => {
    type Opts = { axes: Array<{ values: (...a: unknown[]) => unknown }> }
    const w = globalThis as unknown as Record<string, unknown>
    let real: unknown
    Object.defineProperty(globalThis, 'uPlot', {
      configurable: true,
      get: () => real,
      set(U: new (opts: Opts, ...rest: unknown[]) => unknown) {
        const Wrapped = function (opts: Opts, ...rest: unknown[]) {
          const labels: unknown[][] = [[], []]
          w['yLabels'] = labels
          for (const i of [1, 2]) {
            const values = opts.axes[i]!.values
            opts.axes[i]!.values = (...a: unknown[]) => (labels[i - 1] = values(...a) as unknown[])
          }
          return new U(opts, ...rest)
        }
        real = Object.assign(Wrapped, U)
      },
    })
  })
  await page.goto(`${base}/dashboard/`)
  await page.fill('#token', ANALYST)
  await Promise.all([page.waitForURL(`${base}/dashboard/`), page.click('button[type=submit]')])
  await page.goto(`${base}/dashboard/?${query}`)
  await page.waitForSelector('body[data-state="ready"]')
  return page
}
const visits = (page: Page) => page.textContent('[data-tile="visits"] .value')
const ready = (page: Page, search: string) =>
  page.waitForFunction((s) => document.body.dataset.state === 'ready' && location.search === s, search)

describe('a shop that has sent nothing', () => {
  it('tells a shop that has sent nothing how to start, and its axes name each value once', async () => {
    for (const [lang, words] of [
      ['en-GB', 'No event received yet'],
      ['fr-FR', 'Aucun événement reçu'],
    ] as const) {
      const page = await signIn(emptyUrl, 1200, `lang=${lang}`)
      expect(await page.textContent('#status')).toContain(words)
      expect(await page.textContent('#status')).toContain('sillage seed')
      const [counts, euros] = await page.evaluate(
        () => (globalThis as unknown as { yLabels: string[][] }).yLabels,
      )
      expect(counts!.length).toBeGreaterThan(1)
      expect(new Set(counts).size, counts!.join(' ')).toBe(counts!.length)
      expect(euros!.length).toBeGreaterThan(1)
      expect(new Set(euros).size, euros!.join(' ')).toBe(euros!.length)
      if (lang === 'en-GB') await page.screenshot({ path: join(SHOTS, 'dashboard-empty-shop.png') })
      await page.close()
    }
  })
})

describe('a shop with visits', () => {
  // Each dashboard keeps its filter choices 30 s: a second one, opened once the shop has events.
  beforeAll(async () => {
    await wh.insert([0, 1, 2].flatMap((i) => visit(i).map((event) => ({ event, personId: `p${i}` }))))
    url = await serve()
  })

  it('says a range without data is what its filters show', async () => {
    const page = await signIn(url, 1200, `from=${QUIET}&to=${QUIET}&lang=en-GB`)
    expect(await page.textContent('#status')).toBe('No data for these filters.')
    await page.close()
  })

  it('back and forward return to the filters before, and draw them', async () => {
    const page = await signIn(url, 1200, `from=${DAY}&to=${DAY}&lang=en-GB`)
    const first = `?from=${DAY}&to=${DAY}&granularity=day&lang=en-GB`
    expect(await visits(page)).toBe('3')
    await page.selectOption('#granularity', 'week')
    const week = `?from=${DAY}&to=${DAY}&granularity=week&lang=en-GB`
    await ready(page, week)
    await page.fill('#from', QUIET) // fill() sends `change`, as a picked date does
    const quiet = `?from=${QUIET}&to=${DAY}&granularity=week&lang=en-GB`
    await ready(page, quiet)
    await page.goBack()
    await ready(page, week)
    expect(await page.inputValue('#from')).toBe(DAY)
    expect(await page.inputValue('#granularity')).toBe('week')
    await page.goBack()
    await ready(page, first)
    expect(await page.inputValue('#granularity')).toBe('day')
    expect(await visits(page)).toBe('3')
    await page.goForward()
    await ready(page, week)
    expect(await page.inputValue('#granularity')).toBe('week')
    await page.close()
  })

  it('draws the latest filters when an older answer arrives after a newer one', async () => {
    const page = await signIn(url, 1200, `from=${DAY}&to=${DAY}&lang=en-GB`)
    let held: Route | undefined
    let answered = 0
    await page.route('**/dashboard/api/overview?*', async (route) => {
      if (!held && route.request().url().includes(`to=${QUIET}`)) held = route
      else await route.continue()
    })
    page.on('requestfinished', (r) => r.url().includes('/api/overview') && answered++)
    // A range with the visits, then one without (its answer held back), then the first again.
    await page.fill('#from', QUIET)
    const wide = `?from=${QUIET}&to=${DAY}&granularity=day&lang=en-GB`
    await ready(page, wide)
    await page.fill('#to', QUIET)
    await page.fill('#to', DAY)
    await ready(page, wide)
    expect(await visits(page)).toBe('3')
    const before = answered
    await held!.continue()
    await expect.poll(() => answered, { timeout: 30_000 }).toBeGreaterThan(before)
    // Let the page handle that answer (two turns of its event loop), then look again.
    await page.evaluate(() => new Promise((r) => setTimeout(() => setTimeout(r, 0), 0)))
    await page.waitForFunction(() => document.body.dataset.state === 'ready')
    expect(await visits(page)).toBe('3')
    expect(await page.inputValue('#to')).toBe(DAY)
    expect(await page.evaluate(() => location.search)).toBe(wide)
    await page.close()
  })

  it('after a session ends, signing in again returns to the same view', async () => {
    const page = await signIn(url, 1200, `from=${QUIET}&to=${DAY}&lang=fr-FR`)
    const view = `?from=${QUIET}&to=${DAY}&granularity=week&lang=fr-FR`
    await page.context().clearCookies() // the session expires (12 h), or its token changed
    await page.selectOption('#granularity', 'week') // the API refuses it: the page reloads
    await page.waitForSelector('#token')
    expect(await page.evaluate(() => location.search)).toBe(view)
    await page.fill('#token', ANALYST)
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/dashboard/' && u.search === view),
      page.click('button[type=submit]'),
    ])
    await ready(page, view)
    expect(await page.inputValue('#from')).toBe(QUIET)
    expect(await page.inputValue('#granularity')).toBe('week')
    expect(await page.textContent('[data-tile="visits"] h3')).toBe('Visites')
    // Returning customers are not the RFM segment `loyal` (« fidèles »): two different words.
    const returning = await page.textContent('[data-tile="returningCustomers"] h3')
    expect(returning).toBe('Clients de retour')
    expect(await page.textContent('#rfm')).not.toContain(returning)
    await page.close()
  })
})
