import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger } from '../packages/runtime/src/index.js'
import { registerDashboard, type Overview } from '../services/dashboard/src/index.js'
import { launchChromium } from './helpers/browser.js'
import { repoRoot } from './helpers/pipeline.js'
import { openShopWarehouse, utcMidnight, type ShopWarehouse } from './helpers/shop.js'

// Partial weeks and the overview's cache, in real chDB (and Chromium): a shop whose data starts on
// a Thursday, a range that starts mid-week and one that ends today. The page marks the partial
// weeks in words (the note, the table, the chart's summary) and hatches them on the chart; it says
// as of when its figures are. Screenshot: .cache/screenshots/dashboard-partial-weeks.png.
const ANALYST = 'analyst_dashboard_partial_0123456789'
const SHOTS = join(repoRoot, '.cache/screenshots')
const DAY = 86_400_000
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const ms = (d: string) => Date.parse(`${d}T00:00:00Z`)
const TODAY = day(utcMidnight().getTime())
/** The first day with data: the Thursday at least four weeks before today. */
const FIRST = (() => {
  let t = ms(TODAY) - 28 * DAY
  while (new Date(t).getUTCDay() !== 4) t -= DAY
  return day(t)
})()
const sunday = (d: string) => day(ms(d) + ((7 - new Date(ms(d)).getUTCDay()) % 7) * DAY)
const monday = (d: string) => day(ms(d) - ((new Date(ms(d)).getUTCDay() + 6) % 7) * DAY)
const weekday = (d: string) =>
  new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    new Date(ms(d)),
  )

/** A web visit on day `d` with a €100 order. */
function visit(id: string, d: string): EnrichedEvent[] {
  const at = (m: number) => new Date(ms(d) + 9 * 3_600_000 + m * 60_000).toISOString()
  const base = { anonymousId: `anon-${id}`, sourceId: 'web', context: { library: { name: 'sillage.js' } } }
  return [
    {
      ...base,
      type: 'page',
      messageId: `${id}-page`,
      timestamp: at(0),
      receivedAt: at(0),
      context: { ...base.context, page: { url: 'https://shop.example/', path: '/' } },
      properties: { url: 'https://shop.example/', path: '/' },
    },
    {
      ...base,
      type: 'track',
      event: 'Order Completed',
      messageId: `${id}-order`,
      timestamp: at(1),
      receivedAt: at(1),
      properties: { order_id: `${id}-order`, revenue: 100, currency: 'EUR' },
    },
  ] as unknown as EnrichedEvent[]
}

let wh: ShopWarehouse
let browser: Browser
const apps: FastifyInstance[] = []
async function serve(overviewCacheMs?: number): Promise<FastifyInstance> {
  const app = Fastify()
  registerDashboard(app, {
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    adminToken: 'admin_dashboard_partial_0123456789',
    analystToken: ANALYST,
    ...(overviewCacheMs !== undefined && { overviewCacheMs }),
  })
  apps.push(app)
  return app
}
let app: FastifyInstance
let url = ''
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  wh = await openShopWarehouse()
  const events: Array<{ event: EnrichedEvent; personId: string }> = []
  for (let t = ms(FIRST), i = 0; t < ms(TODAY); t += DAY, i++)
    for (const event of visit(`v${i}`, day(t))) events.push({ event, personId: `p${i % 5}` })
  await wh.insert(events)
  app = await serve()
  url = await app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  for (const a of apps) await a.close()
  await wh?.close()
})

async function overview(on: FastifyInstance, query: Record<string, string>): Promise<Overview> {
  const res = await on.inject({
    url: `/dashboard/api/overview?${new URLSearchParams(query).toString()}`,
    headers: { authorization: `Bearer ${ANALYST}` },
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<Overview>()
}

describe('partial weeks', () => {
  it('the API marks the week the data starts in, the week the range starts in and this week so far', async () => {
    const before = day(ms(FIRST) - 14 * DAY)
    const o = await overview(app, { from: before, to: TODAY, granularity: 'week' })
    const partial = o.series.filter((p) => p.partial)
    expect(partial.map((p) => p.bucket)).toEqual([monday(FIRST), monday(TODAY)])
    expect(partial[0]?.partial).toEqual({
      from: FIRST,
      to: sunday(FIRST),
      days: 4,
      of: 7,
      soFar: false,
    })
    expect(partial[1]?.partial).toMatchObject({ from: monday(TODAY), to: TODAY, of: 7, soFar: true })
    // A range from a Wednesday: its first week holds five days, Wednesday to Sunday.
    const wednesday = day(ms(FIRST) + 13 * DAY)
    const w = await overview(app, { from: wednesday, to: day(ms(TODAY) - DAY), granularity: 'week' })
    expect(w.series[0]?.partial).toEqual({
      from: wednesday,
      to: sunday(wednesday),
      days: 5,
      of: 7,
      soFar: false,
    })
  })

  it('the page says which weeks are partial, in the note, the table and the chart summary', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1200, height: 1100 } })
    await page.goto(`${url}/dashboard/`)
    await page.fill('#token', ANALYST)
    await Promise.all([page.waitForURL(`${url}/dashboard/`), page.click('button[type=submit]')])
    const api = page.waitForResponse((r) => r.url().includes('/dashboard/api/overview'))
    const from = day(ms(FIRST) - 14 * DAY)
    await page.goto(`${url}/dashboard/?from=${from}&to=${TODAY}&granularity=week&lang=en-GB`)
    const o = (await (await api).json()) as Overview
    await page.waitForSelector('body[data-state="ready"]')
    const first = `partial week (${weekday(FIRST)} – ${weekday(sunday(FIRST))})`
    const now =
      monday(TODAY) === TODAY
        ? `week so far (${weekday(TODAY)})`
        : `week so far (${weekday(monday(TODAY))} – ${weekday(TODAY)})`
    expect(await page.isVisible('#series-partial')).toBe(true)
    const note = (await page.textContent('#series-partial')) ?? ''
    expect(note).toContain(`${first}, 4 of 7 days`)
    expect(note).toContain(now)
    expect(await page.getAttribute('#series', 'aria-label')).toContain(first)
    const tagged = page.locator('#series-table tbody tr.partial')
    expect(await tagged.count()).toBe(2)
    expect(await tagged.nth(0).locator('.partial-tag').textContent()).toBe(first)
    expect(await tagged.nth(1).locator('.partial-tag').textContent()).toBe(now)
    expect(await page.locator('#series-table tbody tr').count()).toBe(o.series.length)
    // As of when the figures are: the API's instant, as a time.
    expect(await page.getAttribute('#as-of', 'datetime')).toBe(o.asOf)
    expect(await page.textContent('#as-of')).toMatch(/^figures as of \d\d:\d\d:\d\d UTC, kept 30 s$/)
    await page.click('.series-table summary')
    await page.screenshot({ path: join(SHOTS, 'dashboard-partial-weeks.png'), fullPage: true })
    // By day, up to yesterday: every bucket is whole, and nothing is marked.
    await page.goto(`${url}/dashboard/?from=${FIRST}&to=${day(ms(TODAY) - DAY)}&lang=en-GB`)
    await page.waitForSelector('body[data-state="ready"]')
    expect(await page.isVisible('#series-partial')).toBe(false)
    expect(await page.locator('#series-table tbody tr.partial').count()).toBe(0)
    await page.close()
  })
})

describe('the overview cache', () => {
  it('serves a view the same figures, as of the same instant, until they expire', async () => {
    const query = { from: FIRST, to: day(ms(TODAY) - DAY) }
    const visits = (o: Overview) => o.tiles.find((t) => t.name === 'visits')?.value
    const a = await overview(app, query)
    const b = await overview(app, query)
    expect(b).toEqual(a)
    // A later visit is not in the kept figures: the same model, as of the same instant.
    const short = await serve(300)
    const before = await overview(short, query)
    await wh.insert(visit('late', day(ms(TODAY) - DAY)).map((event) => ({ event, personId: 'late' })))
    const c = await overview(app, query)
    expect(c.asOf).toBe(a.asOf)
    expect(visits(c)).toBe(visits(a))
    // Another view (by week) is read on its own, visit included; a dashboard keeping figures
    // 300 ms shows it once they expire.
    expect(visits(await overview(app, { ...query, granularity: 'week' }))).toBe((visits(a) ?? 0) + 1)
    await expect
      .poll(async () => visits(await overview(short, query)), { timeout: 20_000, interval: 200 })
      .toBe((visits(before) ?? 0) + 1)
  })
})
