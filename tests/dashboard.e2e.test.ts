import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { createLogger } from '../packages/runtime/src/index.js'
import { registerDashboard, type Overview } from '../services/dashboard/src/index.js'
import { parseActivationFile, type AudienceDef } from '../services/activation/src/index.js'
import { launchChromium } from './helpers/browser.js'
import { repoRoot } from './helpers/pipeline.js'
import {
  generateShop,
  openShopWarehouse,
  toEnriched,
  twoStores,
  utcMidnight,
  type ShopWarehouse,
} from './helpers/shop.js'

// /dashboard/ in real Chromium on a generated shop in real chDB: signs in with the analyst token,
// checks that the tiles show the API's (the models') numbers formatted for the locale, that data
// is written as text (a hostile source and product name), and saves screenshots at 1200 px,
// 1600 px and phone width under .cache/screenshots/.
const ANALYST = 'analyst_dashboard_0123456789'
const SHOTS = join(repoRoot, '.cache/screenshots')
const shop = generateShop({ seed: 11, shoppers: 300, days: 120, end: utcMidnight() })
const HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1">'
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const FROM = day(shop.end - 30 * 86_400_000)
const TO = day(shop.end - 86_400_000)

/** One visit from a hostile campaign that buys a product with a hostile name. */
function hostileVisit(): EnrichedEvent[] {
  const at = (min: number) => new Date(shop.end - 2 * 86_400_000 + min * 60_000).toISOString()
  const base = { anonymousId: 'xss-visitor', sourceId: 'web', context: { library: { name: 'sillage.js' } } }
  const events = [
    {
      ...base,
      type: 'page',
      messageId: 'xss-page',
      timestamp: at(0),
      receivedAt: at(0),
      context: {
        ...base.context,
        campaign: { source: HOSTILE },
        page: { url: 'https://shop.example/', path: '/' },
      },
      properties: { url: 'https://shop.example/', path: '/' },
    },
    {
      ...base,
      type: 'track',
      event: 'Order Completed',
      messageId: 'xss-order',
      timestamp: at(1),
      receivedAt: at(1),
      properties: {
        order_id: 'xss-order',
        revenue: 2500,
        currency: 'EUR',
        products: [{ product_id: 'xss-product', name: HOSTILE, price: 2500, quantity: 1 }],
      },
    },
  ]
  return events as unknown as EnrichedEvent[]
}

const WINBACK = parseActivationFile(
  JSON.stringify({
    audiences: [{ id: 'winback', name: 'Win back the dormant', rule: 'rfm_segment = dormant' }],
  }),
).audiences
/** The activation file's audiences as the dashboard is given them (a test removes them). */
let audiences: AudienceDef[] = WINBACK
let wh: ShopWarehouse
let app: FastifyInstance
let browser: Browser
let url = ''
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  wh = await openShopWarehouse()
  await wh.insert([
    ...twoStores(shop.events).map((g) => ({ event: toEnriched(g), personId: g.personKey })),
    ...hostileVisit().map((event) => ({ event, personId: 'xss-person' })),
  ])
  // Two members of the reactivation audience, synced at 08:00 on the range's last day.
  await wh.warehouse.client.insert({
    table: 'sillage.audience_membership',
    values: ['p1', 'p2'].map((person_id) => ({
      audience_id: 'winback',
      person_id,
      seq: 1,
      change: 'entered',
      at: `${TO} 08:00:00.000`,
      message_id: `winback-${person_id}-1`,
    })),
    format: 'JSONEachRow',
  })
  app = Fastify()
  registerDashboard(app, {
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    adminToken: 'admin_dashboard_0123456789',
    analystToken: ANALYST,
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

/** Script errors of every page: none is expected. */
const pageErrors: string[] = []

async function signIn(width: number, height = 1000): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } })
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(`${url}/dashboard/`)
  await page.fill('#token', ANALYST)
  await Promise.all([page.waitForURL(`${url}/dashboard/`), page.click('button[type=submit]')])
  return page
}

async function open(page: Page, lang: string, extra = ''): Promise<Overview> {
  const api = page.waitForResponse((r) => r.url().includes('/dashboard/api/overview'))
  await page.goto(`${url}/dashboard/?from=${FROM}&to=${TO}&lang=${lang}${extra}`)
  const overview = (await (await api).json()) as Overview
  await page.waitForSelector('body[data-state="ready"]')
  return overview
}

const format = (page: Page, lang: string, options: Intl.NumberFormatOptions, n: number) =>
  page.evaluate(([l, o, v]) => new Intl.NumberFormat(l, o).format(v), [lang, options, n] as const)

describe('the dashboard in Chromium', () => {
  for (const lang of ['en-GB', 'fr-FR']) {
    it(`shows every tile and chart with the models' numbers (${lang}), at 1200 and 1600 px`, async () => {
      for (const width of [1200, 1600]) {
        const page = await signIn(width)
        const o = await open(page, lang)
        const text = async (sel: string) => (await page.textContent(sel))?.trim() ?? ''
        const revenue = o.tiles.find((t) => t.name === 'revenue')?.value ?? NaN
        expect(await text('[data-tile="revenue"] .value')).toBe(
          await format(page, lang, { style: 'currency', currency: 'EUR' }, revenue),
        )
        const conversion = o.tiles.find((t) => t.name === 'conversionRate')?.value ?? NaN
        expect(await text('[data-tile="conversionRate"] .value')).toBe(
          await format(
            page,
            lang,
            { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 },
            conversion,
          ),
        )
        const visits = o.tiles.find((t) => t.name === 'visits')?.value ?? NaN
        expect(await text('[data-tile="visits"] .value')).toBe(await format(page, lang, {}, visits))
        if (lang === 'fr-FR')
          expect(await text('[data-tile="revenue"] .value')).toMatch(/^[\d\u202f\u00a0 ]+,\d\d\s€$/)
        expect(await page.locator('.tile').count()).toBe(9)
        expect(await page.locator('#series canvas').count()).toBeGreaterThan(0)
        expect(await page.locator('#funnel li').count()).toBe(5)
        expect(await page.locator('#by-source tbody tr').count()).toBe(
          o.bySource.length + (o.bySourceOthers ? 1 : 0),
        )
        expect(await page.locator('#by-channel tbody tr').count()).toBe(o.byChannel.length)
        expect(await page.locator('#products tbody tr').count()).toBe(o.topProducts.length)
        expect(await page.locator('.segment').count()).toBe(o.rfm.length)
        expect(await page.locator('#transitions tbody td').count()).toBeGreaterThan(4)
        expect(await page.locator('#dormant tbody tr').count()).toBe(o.dormant.top.length)
        expect(await page.locator('#by-store tbody tr').count()).toBe(o.byStore.length)
        expect(o.byStore.length).toBe(2)
        expect(await text('#dormant-audience strong')).toBe('Win back the dormant')
        expect(await text('#dormant-audience')).toContain(
          lang === 'fr-FR' ? "(du fichier d'activation)" : '(from the activation file)',
        )
        expect(await text('#dormant-audience')).toContain(await format(page, lang, {}, 2))
        expect(await page.getAttribute('#series', 'aria-label')).toContain(
          await text('[data-tile="visits"] .value'),
        )
        expect(pageErrors).toEqual([])
        const rendered = await page.evaluate(
          () => performance.getEntriesByName('dashboard-rendered')[0]?.startTime,
        )
        console.log(
          `dashboard ${lang} ${width}px: rendered ${Math.round(rendered ?? NaN)} ms after navigation`,
        )
        await page.screenshot({ path: join(SHOTS, `dashboard-${width}-${lang}.png`), fullPage: true })
        // The page is no wider than the window (nothing cut off at this width).
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width)
        await page.close()
      }
    })
  }

  it("falls back to the browser's language for a lang naming an object member (?lang=__proto__)", async () => {
    const page = await signIn(1200)
    for (const lang of ['__proto__', 'toString', 'xx-YY']) {
      await open(page, lang)
      expect(await page.evaluate(() => document.documentElement.lang), lang).toBe('en')
      expect(await page.textContent('body'), lang).toContain('Sign out')
    }
    await page.close()
  })

  it('is readable on a phone, and the URL keeps the filters', async () => {
    const page = await signIn(390, 844)
    const o = await open(page, 'fr-FR', '&channel=web&granularity=week')
    expect(o.filters).toMatchObject({ channel: 'web', granularity: 'week' })
    expect(await page.inputValue('#channel')).toBe('web')
    await page.screenshot({ path: join(SHOTS, 'dashboard-phone-fr-FR.png'), fullPage: true })
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    // Changing a filter reloads the data and writes it into the URL.
    const next = page.waitForResponse((r) => r.url().includes('channel=app'))
    await page.selectOption('#channel', 'app')
    await next
    await page.waitForSelector('body[data-state="ready"]')
    expect(new URL(page.url()).searchParams.get('channel')).toBe('app')
    await page.reload()
    await page.waitForSelector('body[data-state="ready"]')
    expect(await page.inputValue('#channel')).toBe('app')
    await page.close()
  })

  it('filters by store (kept in the URL); without a reactivation audience, says how to define one', async () => {
    const page = await signIn(1200)
    const o = await open(page, 'en-GB', '&store=lyon-part-dieu')
    expect(o.filters.store).toBe('lyon-part-dieu')
    expect(await page.inputValue('#store')).toBe('lyon-part-dieu')
    expect(await page.locator('#by-store tbody tr').count()).toBe(1)
    const orders = o.tiles.find((t) => t.name === 'orders')?.value ?? NaN
    expect(orders).toBe(o.byStore[0]?.orders)
    expect((await page.textContent('[data-tile="orders"] .value'))?.trim()).toBe(
      await format(page, 'en-GB', {}, orders),
    )
    audiences = []
    try {
      const next = page.waitForResponse((r) => r.url().includes('store=paris-marais'))
      await page.selectOption('#store', 'paris-marais')
      await next
      await page.waitForSelector('body[data-state="ready"]')
      expect(new URL(page.url()).searchParams.get('store')).toBe('paris-marais')
      expect(await page.locator('#dormant-audience strong').count()).toBe(0)
      expect(await page.textContent('#dormant-audience code >> nth=1')).toBe('docs/activation.md')
      await page.screenshot({ path: join(SHOTS, 'dashboard-1200-store-en-GB.png'), fullPage: true })
      await page.reload()
      await page.waitForSelector('body[data-state="ready"]')
      expect(await page.inputValue('#store')).toBe('paris-marais')
    } finally {
      audiences = WINBACK
    }
    expect(pageErrors).toEqual([])
    await page.close()
  })

  it('the sign-in form refuses a wrong token and says so', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } })
    await page.goto(`${url}/dashboard/`)
    await page.fill('#token', 'not_the_token_0123456789')
    await Promise.all([page.waitForURL(`${url}/dashboard/login`), page.click('button[type=submit]')])
    expect(await page.isVisible('#error')).toBe(true)
    await page.screenshot({ path: join(SHOTS, 'dashboard-sign-in-refused.png') })
    expect(await page.locator('#tiles').count()).toBe(0)
    await page.close()
  })

  it('writes data as text: a hostile source and product name are shown, never run', async () => {
    const page = await signIn(1200)
    await open(page, 'en-GB')
    expect(await page.locator('#by-source td', { hasText: HOSTILE }).count()).toBe(1)
    expect(await page.locator('#products td', { hasText: HOSTILE }).count()).toBe(1)
    expect(await page.locator('main img').count()).toBe(0)
    expect(await page.evaluate(() => document.body.dataset['pwned'])).toBeUndefined()
    await page.close()
  })
})
