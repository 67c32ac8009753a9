import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchEvents, launchChromium, recordCollectorRequests } from './helpers/browser.js'
import {
  freePort,
  query,
  repoRoot,
  startPipeline,
  tempDir,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'

// The demo shop as a retailer would look at it, in real Chromium against `sillage start`: a
// catalogue with pictures, search, a cart with line prices, sign-in, a newsletter sign-up and
// checkout, on a desktop (1200 px) and a phone (390 px). Screenshots in .cache/screenshots/.
const SHOTS = join(repoRoot, '.cache/screenshots')
const VIEWPORTS = { desktop: { width: 1200, height: 900 }, phone: { width: 390, height: 844 } }

let pipeline: Pipeline
let browser: Browser
const dir = tempDir('sillage-demo-shop-')
const contexts: BrowserContext[] = []

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  ;[pipeline, browser] = await Promise.all([
    freePort().then((port) => startPipeline({ dataDir: dir.path, port, browserSource: true })),
    launchChromium(),
  ])
})
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()))
  await browser?.close()
  await pipeline?.stop()
  dir.remove()
})

async function visitor(viewport: { width: number; height: number }) {
  const context = await browser.newContext({ viewport })
  contexts.push(context)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  return { context, page, errors, requests: recordCollectorRequests(page) }
}

/** Nothing sticks out sideways (the phone layout holds), and every picture is drawn. */
async function expectLaidOut(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.scrollingElement!.scrollWidth,
    innerWidth: window.innerWidth,
  }))
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth)
  const sizes = await page.$$eval('main svg', (svgs) =>
    svgs.map((s) => s.getBoundingClientRect()).map((r) => [r.width, r.height]),
  )
  for (const [w, h] of sizes) expect(w! > 20 && h! > 20).toBe(true)
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `demo-${name}.png`), fullPage: true })

describe('demo shop', () => {
  for (const [device, viewport] of Object.entries(VIEWPORTS)) {
    it(`${device}: catalogue, search, product, cart with line prices, checkout`, async () => {
      const { page, errors } = await visitor(viewport)
      await page.goto(`${pipeline.url}/demo/`)
      await page.click('#consent-accept')
      // About 12 products in categories, each with its picture, name and price.
      const cards = await page.$$eval('#products .card', (cs) =>
        cs.map((c) => ({
          svg: c.querySelector('svg') !== null,
          name: c.querySelector('.name')?.textContent ?? '',
          price: c.querySelector('.price')?.textContent ?? '',
        })),
      )
      expect(cards).toHaveLength(12)
      for (const c of cards)
        expect(c).toMatchObject({ svg: true, price: expect.stringMatching(/^\d+,\d\d €$/) })
      expect(await page.$$eval('nav.categories a', (as) => as.length)).toBe(6)
      // The personalisation slots, empty and hidden.
      for (const id of ['bought-together', 'recently-viewed'])
        expect(await page.$eval(`section#${id}`, (s) => [s.hidden, s.childElementCount])).toEqual([true, 0])
      await expectLaidOut(page)
      await shot(page, `${device}-home`)

      await page.fill('#search', 'mug')
      await page.press('#search', 'Enter')
      await waitFor(async () => (await page.textContent('#results-title'))?.startsWith('3 results'), {
        what: 'the search results',
      })
      expect(await page.$$eval('#products .name', (ns) => ns.map((n) => n.textContent))).toEqual([
        'Blue mug',
        'Red mug',
        'Espresso cups, set of 2',
      ])

      await page.click('text=Blue mug')
      await page.waitForURL('**/demo/product.html?id=mug-blue')
      expect(await page.textContent('#product-description')).toContain('stoneware')
      for (const id of ['bought-together', 'recently-viewed'])
        expect(await page.$eval(`section#${id}`, (s) => [s.hidden, s.childElementCount])).toEqual([true, 0])
      await page.fill('#quantity', '2')
      await page.click('#add-to-cart')
      await page.waitForSelector('#added', { state: 'visible' })
      await expectLaidOut(page)
      await shot(page, `${device}-product`)

      await page.goto(`${pipeline.url}/demo/product.html?id=candle-sea`)
      await page.click('#add-to-cart')
      await page.click('#cart-link')
      await page.waitForURL('**/demo/cart.html')
      const lines = await page.$$eval('#cart-lines .line', (ls) =>
        ls.map((l) => [
          l.querySelector('.info a')?.textContent,
          l.querySelector('.unit')?.textContent,
          l.querySelector('.line-price')?.textContent,
        ]),
      )
      expect(lines).toEqual([
        ['Blue mug', '12,50 € × 2', '25,00 €'],
        ['Sea salt candle', '22,00 € × 1', '22,00 €'],
      ])
      expect(await page.textContent('#cart-total')).toBe('47,00 €')
      expect(await page.textContent('#cart-count')).toBe('3')
      await expectLaidOut(page)
      await shot(page, `${device}-cart`)

      await page.click('#checkout')
      await page.waitForURL('**/demo/checkout.html')
      expect(await page.textContent('#checkout-total')).toBe('47,00 €')
      await expectLaidOut(page)
      await shot(page, `${device}-checkout`)
      await page.click('#pay')
      await page.waitForURL('**/demo/order.html?order=*')
      expect(await page.textContent('#cart-count')).toBe('')
      await shot(page, `${device}-order`)

      await page.click('#account-link')
      await expectLaidOut(page)
      await shot(page, `${device}-account`)
      expect(errors).toEqual([])
    })
  }

  it('a search, a newsletter sign-up (identify with the email) and an order land as events', async () => {
    const { context, page, requests } = await visitor(VIEWPORTS.desktop)
    await page.goto(`${pipeline.url}/demo/`)
    await page.click('#consent-accept')
    await page.fill('#search', 'bag')
    await page.press('#search', 'Enter')
    await page.fill('#newsletter-email', 'tide@example.com')
    await page.click('#newsletter-submit')
    await page.waitForSelector('#newsletter-done', { state: 'visible' })
    await page.evaluate(() => (window as unknown as { sillage: { flush(): void } }).sillage.flush())
    await waitFor(() => batchEvents(requests).some((e) => e['type'] === 'identify'), { what: 'the identify' })
    const sent = batchEvents(requests)
    expect(sent.find((e) => e['event'] === 'Products Searched')?.['properties']).toEqual({
      query: 'bag',
      results: 2,
    })
    const identify = sent.find((e) => e['type'] === 'identify')!
    expect(identify['userId']).toBeUndefined()
    expect(identify['traits']).toEqual({ email: 'tide@example.com', newsletter: true })

    // Stored as an identify with the email hashed, linked to the visitor.
    const anonymousId = (await context.cookies()).find((c) => c.name === 'sil_aid')!.value
    expect(anonymousId).toMatch(/^[0-9a-v]{26}$/)
    const rows = await waitFor(
      async () => {
        const r = await query<{ type: string; event: string }>(
          pipeline.url,
          `SELECT type, event FROM sillage.events WHERE anonymous_id = '${anonymousId}' ORDER BY original_timestamp, message_id`,
        )
        return r.length >= 5 ? r : undefined
      },
      { what: 'the visitor’s events' },
    )
    expect(rows.map((r) => r.event || r.type)).toEqual([
      'page',
      'Consent Updated',
      'page',
      'Products Searched',
      'identify',
    ])
  })
})
