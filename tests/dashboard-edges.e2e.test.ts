import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger } from '../packages/runtime/src/index.js'
import { registerDashboard, type Overview } from '../services/dashboard/src/index.js'
import { parseActivationFile } from '../services/activation/src/index.js'
import { launchChromium } from './helpers/browser.js'
import { repoRoot } from './helpers/pipeline.js'
import { openShopWarehouse, utcMidnight, type ShopWarehouse } from './helpers/shop.js'

// The dashboard's edges, in real chDB and real Chromium, on a small hand-made shop over four days:
// orders of 1e308 € (inf once the orders model rounds them to cents), amounts whose sum is too
// large for a 64-bit float, a channel outside web/app/server/store, more sources
// than the "By source" table shows, a reactivation audience that has never synced, and a short
// range's time axis. Screenshots: .cache/screenshots/dashboard-edges-*.png.
const ANALYST = 'analyst_dashboard_edges_0123456789'
const SHOTS = join(repoRoot, '.cache/screenshots')
const END = utcMidnight().getTime()
const DAY_MS = 86_400_000
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
/** The four days: D[0] … D[3], the last one yesterday. */
const D = [4, 3, 2, 1].map((n) => day(END - n * DAY_MS))
const FROM = D[0]!
const TO = D[3]!
/** Sources, most revenue first: src-01 … src-13 (13 of them: 10 shown, 3 folded into one row). */
const GIANTS = 106
/** A campaign source longer than 200 characters: the menu lists it, so the API must take it. */
const LONG_SOURCE = `campaign-${'x'.repeat(250)}`
/** The reactivation audience's name: shown as text, never parsed. */
const AUDIENCE_NAME = 'Win back <b>&amp;</b>'
const SOURCES = Array.from({ length: 13 }, (_, i) => `src-${String(i + 1).padStart(2, '0')}`)

/** A visit from `source` on day `d` at minute `min`, ending in an order of `revenue` when given. */
function visit(id: string, d: string, min: number, source: string, revenue?: number): EnrichedEvent[] {
  const at = (m: number) => new Date(Date.parse(`${d}T08:00:00Z`) + (min + m) * 60_000).toISOString()
  const base = { anonymousId: `anon-${id}`, sourceId: 'web', context: { library: { name: 'sillage.js' } } }
  const page = {
    ...base,
    type: 'page',
    messageId: `${id}-page`,
    timestamp: at(0),
    receivedAt: at(0),
    context: { ...base.context, campaign: { source }, page: { url: 'https://shop.example/', path: '/' } },
    properties: { url: 'https://shop.example/', path: '/' },
  }
  if (revenue === undefined) return [page] as unknown as EnrichedEvent[]
  const order = {
    ...base,
    type: 'track',
    event: 'Order Completed',
    messageId: `${id}-order`,
    timestamp: at(1),
    receivedAt: at(1),
    properties: { order_id: `${id}-order`, revenue, currency: 'EUR' },
  }
  return [page, order] as unknown as EnrichedEvent[]
}

/** An order sent by a kiosk (context.channel 'kiosk': neither web, app, server nor store). */
function kioskOrder(id: string, d: string): EnrichedEvent[] {
  const at = `${d}T15:00:00.000Z`
  return [
    {
      type: 'track',
      event: 'Order Completed',
      messageId: `${id}-order`,
      anonymousId: `anon-${id}`,
      sourceId: 'kiosk',
      timestamp: at,
      receivedAt: at,
      context: { channel: 'kiosk', library: { name: '@sillage/sdk-node' } },
      properties: { order_id: `${id}-order`, revenue: 12, currency: 'EUR' },
    },
  ] as unknown as EnrichedEvent[]
}

function events(): Array<{ event: EnrichedEvent; personId: string }> {
  const out: Array<{ event: EnrichedEvent; personId: string }> = []
  const add = (person: string, es: EnrichedEvent[]) =>
    out.push(...es.map((event) => ({ event, personId: person })))
  SOURCES.forEach((source, i) => {
    // Every day a visit from each source; one order a day, 130 € for src-01 down to 10 € for src-13.
    D.forEach((d, j) => add(`p-${source}`, visit(`${source}-${j}`, d, i * 2, source, (13 - i) * 10)))
  })
  // One order of 1e308 € on the second day, another on the third: `orders` rounds them to inf.
  add('p-whale-1', visit('whale-1', D[1]!, 300, 'whale', 1e308))
  add('p-whale-2', visit('whale-2', D[2]!, 300, 'whale', 1e308))
  // On the third day, 106 orders of 1.7e306 €: each is a Float64, their sum (1.8e308) is not.
  for (let i = 0; i < GIANTS; i++)
    add(`p-giant-${i}`, visit(`giant-${i}`, D[2]!, 400 + 2 * i, 'giant', 1.7e306))
  add('p-kiosk', kioskOrder('kiosk-1', D[1]!))
  add('p-long', visit('long', D[3]!, 600, LONG_SOURCE))
  return out
}

let wh: ShopWarehouse
let app: FastifyInstance
let browser: Browser
let url = ''
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  wh = await openShopWarehouse()
  await wh.insert(events())
  const { audiences } = parseActivationFile(
    JSON.stringify({ audiences: [{ id: 'winback', name: AUDIENCE_NAME, rule: 'rfm_segment = dormant' }] }),
  )
  app = Fastify()
  registerDashboard(app, {
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    adminToken: 'admin_dashboard_edges_0123456789',
    analystToken: ANALYST,
    // Defined, never synced: no row in audience_membership.
    audiences: async () => audiences,
  })
  url = await app.listen({ port: 0, host: '127.0.0.1' })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await app?.close()
  await wh?.close()
})

async function api(query: string) {
  const res = await app.inject({
    url: `/dashboard/api/overview?${query}`,
    headers: { authorization: `Bearer ${ANALYST}` },
  })
  return { status: res.statusCode, body: res.json<Overview & { code?: string }>() }
}
const tile = (o: Overview, name: string) => o.tiles.find((t) => t.name === name)

/** Signs in; every chart's x-axis labels are recorded (uPlot wrapped before the page loads it). */
async function signIn(width: number, lang = 'en-GB', query = `from=${FROM}&to=${TO}`): Promise<Page> {
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
          const x = opts.axes[0]!
          const values = x.values
          x.values = (...a: unknown[]) => (w['xLabels'] = values(...a))
          return new U(opts, ...rest)
        }
        real = Object.assign(Wrapped, U)
      },
    })
  })
  await page.goto(`${url}/dashboard/`)
  await page.fill('#token', ANALYST)
  await Promise.all([page.waitForURL(`${url}/dashboard/`), page.click('button[type=submit]')])
  await page.goto(`${url}/dashboard/?${query}&lang=${lang}`)
  await page.waitForSelector('body[data-state="ready"]')
  return page
}
const text = async (page: Page, sel: string) => (await page.textContent(sel))?.trim() ?? ''

describe('dashboard edges', () => {
  it('an amount too large to add up is unknown (null, "—"), never 0; an inf order adds nothing', async () => {
    const all = (await api(`from=${FROM}&to=${TO}`)).body
    expect(tile(all, 'revenue')?.value).toBeNull()
    expect(tile(all, 'avgBasket')?.value).toBeNull()
    expect(tile(all, 'orders')?.value).toBe(13 * 4 + 2 + 1 + GIANTS)
    // Day 2: the 1e308 order (inf in `orders`) is left out, the other orders are summed.
    expect(all.series.map((p) => p.revenue)).toEqual([910, 922, null, 910])
    const second = (await api(`from=${D[1]}&to=${D[1]}`)).body
    expect(tile(second, 'revenue')?.value).toBe(922)
    expect(tile(second, 'avgBasket')?.value).toBeCloseTo(922 / 15, 2)
    // The unknown amount sorts first; the sources without one keep their own amounts.
    expect(all.bySource[0]).toMatchObject({ key: 'giant', revenue: null })
    expect(all.bySource.find((r) => r.key === 'src-01')?.revenue).toBe(520)

    for (const lang of ['en-GB', 'fr-FR']) {
      const page = await signIn(1200, lang)
      expect(await text(page, '[data-tile="revenue"] .value')).toBe('—')
      expect(await text(page, '[data-tile="avgBasket"] .value')).toBe('—')
      expect(await text(page, '#by-source tbody tr:first-child td:last-child')).toBe('—')
      // The segments' revenue adds up past the largest double: each share of it is unknown.
      expect(await text(page, '[data-segment="champions"] p:nth-of-type(2)')).toMatch(/ · —$/)
      await page.screenshot({ path: join(SHOTS, `dashboard-edges-1200-${lang}.png`), fullPage: true })
      await page.close()
    }
    const page = await signIn(1200, 'en-GB', `from=${D[1]}&to=${D[1]}`)
    expect(await text(page, '[data-tile="revenue"] .value')).toBe('€922.00')
    await page.close()
  })

  it('the API accepts every source, channel and store the menus offer (a kiosk, a long source)', async () => {
    const { body } = await api(`from=${FROM}&to=${TO}`)
    expect(body.options?.channels).toEqual(['kiosk', 'web'])
    expect(body.options?.sources).toContain(LONG_SOURCE)
    for (const [name, values] of Object.entries({
      channel: body.options?.channels ?? [],
      source: body.options?.sources ?? [],
      store: body.options?.stores ?? [],
    })) {
      for (const v of values) {
        const res = await api(`from=${FROM}&to=${TO}&${name}=${encodeURIComponent(v)}`)
        expect(res.status, `${name}=${v}: ${JSON.stringify(res.body)}`).toBe(200)
      }
    }
    expect(
      (await api(`from=${FROM}&to=${TO}&channel=kiosk`)).body.tiles.find((t) => t.name === 'orders')?.value,
    ).toBe(1)
    expect((await api(`channel=fax`)).status).toBe(400)

    const page = await signIn(1200)
    const menu = await page.$$eval('#channel option', (os) =>
      os.map((o) => (o as unknown as { value: string }).value),
    )
    expect(menu).toEqual(['', 'kiosk', 'web'])
    const next = page.waitForResponse((r) => r.url().includes('channel=kiosk'))
    await page.selectOption('#channel', 'kiosk')
    expect((await next).status()).toBe(200)
    await page.waitForSelector('body[data-state="ready"]')
    expect(await text(page, '[data-tile="orders"] .value')).toBe('1')
    await page.selectOption('#channel', '')
    await page.waitForSelector('body[data-state="ready"]')
    const long = page.waitForResponse((r) => r.url().includes('source=campaign-'))
    await page.selectOption('#source', LONG_SOURCE)
    expect((await long).status()).toBe(200)
    await page.waitForSelector('body[data-state="ready"]')
    expect(await text(page, '[data-tile="visits"] .value')).toBe('1')
    await page.close()
  })

  it('the time axis names each day once on a 2- to 7-day range, and each week once', async () => {
    const labels = async (page: Page) =>
      page.evaluate(() => (globalThis as unknown as { xLabels: string[] }).xLabels)
    const days = (from: number, to: number) => {
      const out: string[] = []
      for (let t = END - from * DAY_MS; t <= END - to * DAY_MS; t += DAY_MS)
        out.push(
          new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(t),
        )
      return out
    }
    for (const n of [2, 4, 7]) {
      const page = await signIn(1200, 'en-GB', `from=${day(END - n * DAY_MS)}&to=${TO}`)
      expect(await labels(page), `${n} days`).toEqual(days(n, 1))
      if (n === 4)
        await page.locator('#series').screenshot({ path: join(SHOTS, 'dashboard-edges-4-days.png') })
      await page.close()
    }
    // On a phone, fewer labels than days, still each day at most once.
    const phone = await signIn(390, 'en-GB', `from=${day(END - 7 * DAY_MS)}&to=${TO}`)
    const shown = await labels(phone)
    expect(shown.length).toBeGreaterThan(1)
    expect(new Set(shown).size).toBe(shown.length)
    await phone.close()
    const weeks = await signIn(1200, 'en-GB', `from=${day(END - 7 * DAY_MS)}&to=${TO}&granularity=week`)
    const w = await labels(weeks)
    expect(new Set(w).size).toBe(w.length)
    await weeks.close()
  })

  it('an audience that has never synced says so in plain words; its name stays text', async () => {
    for (const [lang, expected] of [
      [
        'en-GB',
        `Reactivation audience ${AUDIENCE_NAME} (from the activation file) · 0 members · not synced yet`,
      ],
      [
        'fr-FR',
        `Audience de réactivation ${AUDIENCE_NAME} (du fichier d'activation) · 0 membres · pas encore synchronisée`,
      ],
    ] as const) {
      const page = await signIn(1200, lang)
      expect(await text(page, '#dormant-audience')).toBe(expected)
      expect(await page.locator('#dormant-audience b').count()).toBe(0)
      await page
        .locator('#dormant-audience')
        .screenshot({ path: join(SHOTS, `dashboard-edges-audience-${lang}.png`) })
      await page.close()
    }
  })

  it('"By source" shows the ten sources with most revenue and the others in one row', async () => {
    const { body } = await api(`from=${FROM}&to=${TO}`)
    expect(body.bySource.map((r) => r.key)).toEqual(['giant', ...SOURCES.slice(0, 9)])
    // src-10 … src-13, whale (its 1e308 orders add nothing), the kiosk's session and the long source.
    expect(body.bySourceOthers).toMatchObject({
      sources: 7,
      revenue: (4 + 3 + 2 + 1) * 40 + 12,
      orders: 4 * 4 + 2 + 1,
    })
    const visits = body.tiles.find((t) => t.name === 'visits')?.value
    expect(body.bySource.reduce((n, r) => n + r.visits, 0) + (body.bySourceOthers?.visits ?? 0)).toBe(visits)

    const page = await signIn(1200)
    expect(await page.locator('#by-source tbody tr').count()).toBe(11)
    expect(await text(page, '#by-source tbody tr:last-child td:first-child')).toBe('7 other sources')
    expect(await text(page, '#by-source tbody tr:last-child td:last-child')).toBe('€412.00')
    await page.locator('#by-source').screenshot({ path: join(SHOTS, 'dashboard-edges-by-source.png') })
    const width = () =>
      (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
        .documentElement.scrollWidth
    expect(await page.evaluate(width)).toBeLessThanOrEqual(1200)
    await page.close()
  })
})
