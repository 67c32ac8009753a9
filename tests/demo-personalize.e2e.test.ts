import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchEvents, launchChromium, recordCollectorRequests } from './helpers/browser.js'
import {
  freePort,
  postBatch,
  repoRoot,
  startPipeline,
  tempDir,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'

// The demo shop's "Bought together" and "Recently viewed" blocks, from the personalisation add-on
// (/sdk-personalize.js) against a real `sillage start`, in real Chromium. Orders planted through
// the server source make the espresso cups the blue mug's first partner. Screenshots in
// .cache/screenshots/.
const SHOTS = join(repoRoot, '.cache/screenshots')
const SHOPPER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

let pipeline: Pipeline
let browser: Browser
const dir = tempDir('sillage-demo-personalize-')
const contexts: BrowserContext[] = []

const line = (product_id: string, price: number) => ({ product_id, price, quantity: 1 })
const order = (n: number, partner: string, price: number) => ({
  type: 'track',
  event: 'Order Completed',
  anonymousId: `buyer-${n}`,
  messageId: `planted-order-${n}`,
  timestamp: new Date(Date.now() - 3_600_000).toISOString(),
  properties: {
    order_id: `planted-${n}`,
    revenue: 12.5 + price,
    currency: 'EUR',
    products: [line('mug-blue', 12.5), line(partner, price)],
  },
})

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  ;[pipeline, browser] = await Promise.all([
    freePort().then((port) =>
      startPipeline({
        dataDir: dir.path,
        port,
        browserSource: true,
        env: { SILLAGE_PROFILES_SCORE_MS: '1000' },
      }),
    ),
    launchChromium(),
  ])
  const planted = [1, 2, 3].map((n) => order(n, 'cups-espresso', 16)).concat(order(4, 'tote-harbour', 15))
  expect((await postBatch(pipeline.url, planted)).status).toBe(200)
})
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()))
  await browser?.close()
  await pipeline?.stop()
  dir.remove()
})

async function visitor() {
  // A shopper's Chrome: headless Chromium's own user agent is (rightly) a bot, whose events the
  // profiles leave out.
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, userAgent: SHOPPER_UA })
  contexts.push(context)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const requests = recordCollectorRequests(page)
  const personalised = () => requests.filter((r) => r.url().includes('/v1/me/recommendations'))
  /** Opens a product page and waits until its Product Viewed has left for the collector. */
  const view = async (id: string) => {
    await page.goto(`${pipeline.url}/demo/product.html?id=${id}`, { waitUntil: 'load' })
    await waitFor(
      () =>
        batchEvents(requests).some(
          (e) => e.event === 'Product Viewed' && (e.properties as { product_id?: string }).product_id === id,
        ),
      { what: `Product Viewed ${id} sent` },
    )
  }
  return { page, errors, requests, personalised, view }
}

/** The names shown in a block, or undefined while it is hidden. */
const shown = (page: Page, id: string) =>
  page.$eval(`#${id}`, (s) =>
    s.hidden ? undefined : [...s.querySelectorAll('li a')].map((a) => a.textContent),
  )

/** Reloads until the block shows `first` first (the profile and the scores refresh every second). */
async function reloadUntil(page: Page, id: string, first: string) {
  return waitFor(
    async () => {
      await page.reload({ waitUntil: 'load' })
      const names = await page
        .waitForFunction((i) => !document.getElementById(i)!.hidden, id, { timeout: 3000 })
        .then(() => shown(page, id))
        .catch(() => undefined)
      return names?.[0] === first ? names : undefined
    },
    { timeoutMs: 60_000, what: `#${id} to show ${first} first` },
  )
}

describe('demo shop personalisation', () => {
  it('asks nothing and shows nothing when consent is refused', async () => {
    const { page, errors, personalised } = await visitor()
    await page.goto(`${pipeline.url}/demo/product.html?id=mug-blue`, { waitUntil: 'load' })
    expect(await page.isVisible('#consent-banner')).toBe(true)
    await page.click('#consent-refuse')
    await page.goto(`${pipeline.url}/demo/product.html?id=tote-harbour`, { waitUntil: 'load' })
    await page.goto(`${pipeline.url}/demo/`, { waitUntil: 'load' })
    // The add-on is on the page, and it chose not to ask.
    expect(
      await page.evaluate(() => typeof (window as { sillagePersonalize?: unknown }).sillagePersonalize),
    ).toBe('object')
    expect(personalised()).toEqual([])
    expect(await shown(page, 'recently-viewed')).toBeUndefined()
    expect(errors).toEqual([])
  })

  it(
    'shows the planted partner first under "Bought together" and the views under "Recently viewed"',
    {
      timeout: 120_000,
    },
    async () => {
      const { page, errors, personalised, view } = await visitor()
      await page.goto(`${pipeline.url}/demo/`, { waitUntil: 'load' })
      expect(personalised()).toEqual([])
      await page.click('#consent-accept')
      await view('candle-sea')
      await view('cap-sail')
      await view('mug-blue')

      const bought = await reloadUntil(page, 'bought-together', 'Espresso cups, set of 2')
      expect(bought.slice(0, 2)).toEqual(['Espresso cups, set of 2', 'Harbour tote bag'])
      // Latest view first; the product on screen is not repeated.
      const recent = await reloadUntil(page, 'recently-viewed', 'Sail cap')
      expect(recent).toEqual(['Sail cap', 'Sea salt candle'])
      expect(await page.textContent('#bought-together h2')).toBe('Bought together')
      await page.screenshot({ path: join(SHOTS, 'demo-personalize-product.png'), fullPage: true })

      await page.goto(`${pipeline.url}/demo/`, { waitUntil: 'load' })
      const home = await reloadUntil(page, 'recently-viewed', 'Blue mug')
      expect(home).toEqual(['Blue mug', 'Sail cap', 'Sea salt candle'])
      expect(await shown(page, 'bought-together')).toBeUndefined()
      await page.screenshot({ path: join(SHOTS, 'demo-personalize-home.png'), fullPage: true })
      // Only the browser-safe route, with the cookie, never a read-key route.
      for (const r of personalised()) expect(new URL(r.url()).searchParams.get('writeKey')).toBeTruthy()
      expect(errors).toEqual([])
    },
  )

  it('leaves the page as it was when the route fails or hangs', async () => {
    const { page, errors, personalised } = await visitor()
    await page.goto(`${pipeline.url}/demo/`, { waitUntil: 'load' })
    await page.click('#consent-accept')
    await page.route('**/v1/me/recommendations*', (route) => route.abort('connectionrefused'))
    await page.goto(`${pipeline.url}/demo/product.html?id=mug-blue`, { waitUntil: 'load' })
    await waitFor(() => personalised().length > 0, { what: 'the add-on to ask' })
    await page.unroute('**/v1/me/recommendations*')
    // A route that never answers: the add-on gives up after its timeout and answers null.
    await page.route('**/v1/me/recommendations*', () => undefined)
    const hung = await page.evaluate(() =>
      (
        window as unknown as { sillagePersonalize: { load(o: object): Promise<unknown> } }
      ).sillagePersonalize.load({ timeoutMs: 300 }),
    )
    expect(hung).toBeNull()
    expect(await shown(page, 'bought-together')).toBeUndefined()
    expect(await shown(page, 'recently-viewed')).toBeUndefined()
    expect(errors).toEqual([])
  })
})
