import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Browser, BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sillage } from '../packages/sdk-browser/src/types.js'
import { batchEvents, launchChromium, recordCollectorRequests } from './helpers/browser.js'
import {
  BROWSER_WRITE_KEY,
  freePort,
  query,
  repoRoot,
  startPipeline,
  tempDir,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'

// The browser SDK in real Chromium, through the demo shop served by `sillage start`, with the real
// snippet, against the real collector and ClickHouse (chDB). One pipeline and one browser for the
// file; one browser context (cookies, storage) per shopper.

interface Row {
  type: string
  event: string
  page_path: string
  page_url: string
  referrer: string
  user_id: string
  session_id: string
  consent: string
  order_id: string
  product_id: string
  revenue: number | null
  message_id: string
}

let pipeline: Pipeline
// Awaited by each test, so that without Chromium every test fails (with the install hint).
let browser: Promise<Browser>
const dir = tempDir('sillage-browser-')
const contexts: BrowserContext[] = []

beforeAll(async () => {
  browser = launchChromium()
  browser.catch(() => undefined)
  pipeline = await startPipeline({ dataDir: dir.path, port: await freePort(), browserSource: true })
})
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()))
  await browser?.then(
    (b) => b.close(),
    () => undefined,
  )
  await pipeline?.stop()
  dir.remove()
})

async function shopper(): Promise<{ context: BrowserContext; page: Page; requests: Request[] }> {
  const context = await (await browser).newContext()
  contexts.push(context)
  const page = await context.newPage()
  return { context, page, requests: recordCollectorRequests(page) }
}

async function anonymousId(context: BrowserContext): Promise<string> {
  const id = (await context.cookies()).find((c) => c.name === 'sil_aid')?.value ?? ''
  // The SDK's ids are 26 base32 characters; checked before it goes into SQL.
  expect(id).toMatch(/^[0-9a-v]{26}$/)
  return id
}

/** The device's events in ClickHouse, in the order they happened, once `count` have landed. */
async function eventsOf(id: string, count: number): Promise<Row[]> {
  const sql = `SELECT type, event, page_path, page_url, referrer, user_id, session_id, consent, order_id,
      product_id, revenue, message_id FROM sillage.events WHERE anonymous_id = '${id}'
    ORDER BY original_timestamp, message_id`
  return waitFor(
    async () => {
      const rows = await query<Row>(pipeline.url, sql)
      return rows.length >= count ? rows : undefined
    },
    { timeoutMs: 20_000, what: `${count} events of ${id} in ClickHouse` },
  )
}

const label = (r: Row) =>
  r.type === 'page' ? `page ${r.page_url.replace(/^https?:\/\/[^/]+/, '')}` : r.event || r.type

/** Nothing was stored: no cookie, no localStorage (the shop's own sessionStorage cart aside). */
async function expectNothingStored(page: Page, context: BrowserContext) {
  expect(await context.cookies()).toEqual([])
  expect(await page.evaluate(() => localStorage.length)).toBe(0)
}

/** No event request so far: after a flush, a sentinel request proves the page's queue was empty. */
async function expectNoEventRequest(page: Page, requests: Request[]) {
  await page.evaluate(async () => {
    ;(window as unknown as { sillage: Sillage }).sillage.flush()
    await fetch('/healthz')
  })
  expect(requests.map((r) => r.url())).toEqual([])
}

describe('browser SDK in Chromium, through the demo shop', () => {
  it('a full shopping journey lands as the right events, in order, with context.consent', async () => {
    const { context, page } = await shopper()
    await page.goto(`${pipeline.url}/demo/`)
    await page.click('#consent-accept')
    await page.click('[data-category="mugs"]')
    await page.click('text=Blue mug')
    await page.waitForURL('**/demo/product.html?id=mug-blue')
    await page.fill('#quantity', '2')
    await page.click('#add-to-cart')
    await page.click('#account-link')
    await page.fill('#login-user', 'cust_journey')
    await page.fill('#login-email', 'ada@example.com')
    await page.click('#login')
    await page.click('#cart-link')
    await page.click('#checkout')
    await page.waitForURL('**/demo/checkout.html')
    await page.click('#pay')
    await page.waitForURL('**/demo/order.html?order=*')

    const rows = await eventsOf(await anonymousId(context), 14)
    expect(rows.map(label)).toEqual([
      'page /demo/',
      'Consent Updated',
      'page /demo/?category=mugs',
      'page /demo/product.html?id=mug-blue',
      'Product Viewed',
      'Product Added',
      'page /demo/account.html',
      'identify',
      'page /demo/cart.html',
      'Cart Viewed',
      'page /demo/checkout.html',
      'Checkout Started',
      'Order Completed',
      expect.stringMatching(/^page \/demo\/order\.html\?order=o_/),
    ])
    for (const r of rows) {
      expect(JSON.parse(r.consent)).toMatchObject({
        categories: ['analytics'],
        policyVersion: 'demo-1',
        gpc: false,
      })
    }
    expect(new Set(rows.map((r) => r.session_id)).size).toBe(1)
    expect(rows.map((r) => r.user_id)).toEqual([
      ...Array<string>(7).fill(''),
      ...Array<string>(7).fill('cust_journey'),
    ])
    const order = rows.find((r) => r.event === 'Order Completed')!
    expect(order.order_id).toMatch(/^o_/)
    expect(order.revenue).toBe(25)
    expect(rows.find((r) => r.event === 'Product Added')?.product_id).toBe('mug-blue')
  })

  it('stores nothing and sends nothing before consent; a refusal drops what was buffered', async () => {
    const { context, page, requests } = await shopper()
    await page.goto(`${pipeline.url}/demo/`)
    await page.click('text=Blue mug')
    await page.waitForURL('**/demo/product.html?id=mug-blue')
    await page.click('#add-to-cart')
    await page.evaluate(() => (window as unknown as { sillage: Sillage }).sillage.track('Before'))
    await expectNothingStored(page, context)
    await expectNoEventRequest(page, requests)

    await page.click('#consent-refuse')
    await page.evaluate(() => (window as unknown as { sillage: Sillage }).sillage.track('Refused'))
    await expectNoEventRequest(page, requests)
    // Only the refusal itself is remembered (a strictly necessary cookie); no id of any kind.
    expect((await context.cookies()).map((c) => c.name)).toEqual(['sil_consent'])
    expect(await page.evaluate(() => localStorage.length)).toBe(0)

    // Granting later sends what comes after, never what was buffered before the refusal.
    await page.click('#consent-settings')
    await page.click('#consent-accept')
    await page.evaluate(() => (window as unknown as { sillage: Sillage }).sillage.track('After'))
    const rows = await eventsOf(await anonymousId(context), 2)
    expect(rows.map(label)).toEqual(['Consent Updated', 'After'])
  })

  it('a withdrawal is recorded, then the ids and the queue are erased and nothing more is sent', async () => {
    const { context, page, requests } = await shopper()
    await page.goto(`${pipeline.url}/demo/`)
    await page.click('#consent-accept')
    const id = await anonymousId(context)
    await page.evaluate(() => (window as unknown as { sillage: Sillage }).sillage.track('Before Withdrawal'))
    await page.click('#consent-settings')
    await page.click('#consent-refuse')
    const rows = await eventsOf(id, 4)
    expect(rows.map(label)).toEqual([
      'page /demo/',
      'Consent Updated',
      'Before Withdrawal',
      'Consent Updated',
    ])
    expect(JSON.parse(rows[3]!.consent)).toMatchObject({ categories: [] })
    expect((await context.cookies()).map((c) => c.name)).toEqual(['sil_consent'])
    expect(await page.evaluate(() => localStorage.length)).toBe(0)
    const sent = requests.length
    await page.evaluate(() => (window as unknown as { sillage: Sillage }).sillage.track('After Withdrawal'))
    await page.click('#cart-link')
    await page.waitForURL('**/demo/cart.html')
    await page.evaluate(async () => {
      ;(window as unknown as { sillage: Sillage }).sillage.flush()
      await fetch('/healthz')
    })
    expect(requests.length).toBe(sent)
  })

  it('honours Global Privacy Control: denied, grant ignored, nothing stored or sent', async () => {
    const { context, page, requests } = await shopper()
    await context.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
    )
    await page.goto(`${pipeline.url}/demo/`)
    await page.waitForFunction(() => !Array.isArray((window as unknown as { sillage: unknown }).sillage))
    expect(await page.isHidden('#consent-banner')).toBe(true)
    const state = await page.evaluate(() => {
      const s = (window as unknown as { sillage: Sillage }).sillage
      s.consent.grant(['analytics'])
      s.track('With GPC')
      return s.consent.get()
    })
    expect(state).toMatchObject({ state: 'denied', gpc: true, categories: [] })
    await expectNothingStored(page, context)
    await expectNoEventRequest(page, requests)
  })

  it('collector offline, then online: queued events arrive exactly once, with the same messageIds', async () => {
    const { context, page } = await shopper()
    const refused: string[] = []
    await page.route('**/v1/batch', (route) => {
      refused.push(route.request().postData() ?? '')
      return route.abort('internetdisconnected')
    })
    await page.goto(`${pipeline.url}/demo/`)
    await page.click('#consent-accept')
    await page.evaluate(() => {
      const s = (window as unknown as { sillage: Sillage }).sillage
      for (let i = 0; i < 5; i++) s.track('Offline', { i })
      s.flush()
    })
    await waitFor(() => refused.length >= 2, { what: 'a failed send and its retry' })
    // Leaving while the collector fails: no beacon (it would be lost), the queue is kept for the next page.
    await page.click('#cart-link')
    await page.waitForURL('**/demo/cart.html')
    const kept = await page.evaluate(() => localStorage.getItem('sil_queue'))
    expect(kept).toContain('"Offline"')

    await page.unroute('**/v1/batch')
    await page.evaluate(() => dispatchEvent(new Event('online')))
    const rows = await eventsOf(await anonymousId(context), 9)
    expect(rows.map(label)).toEqual([
      'page /demo/',
      'Consent Updated',
      'Offline',
      'Offline',
      'Offline',
      'Offline',
      'Offline',
      'page /demo/cart.html',
      'Cart Viewed',
    ])
    expect(new Set(rows.map((r) => r.message_id)).size).toBe(rows.length)
    const retriedIds = new Set(
      refused.flatMap((b) => batchEvents([{ postData: () => b } as Request])).map((e) => e.messageId),
    )
    expect(retriedIds.size).toBeGreaterThanOrEqual(7)
    expect(rows.map((r) => r.message_id)).toEqual(expect.arrayContaining([...retriedIds]))
    await waitFor(() => page.evaluate(() => localStorage.getItem('sil_queue') === null), {
      what: 'the delivered queue to leave localStorage',
    })
  })

  it('events tracked as the page is left arrive (sendBeacon on pagehide)', async () => {
    const { context, page, requests } = await shopper()
    await page.goto(`${pipeline.url}/demo/`)
    await page.click('#consent-accept')
    await page.evaluate(() => {
      const s = (window as unknown as { sillage: Sillage }).sillage
      s.track('Leaving', { via: 'beacon' })
      location.href = '/demo/order.html?order=o_beacon'
    })
    await page.waitForURL('**/demo/order.html?order=o_beacon')
    const rows = await eventsOf(await anonymousId(context), 4)
    expect(rows.map(label)).toEqual([
      'page /demo/',
      'Consent Updated',
      'Leaving',
      'page /demo/order.html?order=o_beacon',
    ])
    // Not sent by fetch from either page, and not replayed from storage: the beacon carried it.
    expect(batchEvents(requests).map((e) => e['event'])).not.toContain('Leaving')
  })

  it('single-page navigation (pushState, popstate) produces pages with the previous URL as referrer', async () => {
    const { context, page } = await shopper()
    await page.goto(`${pipeline.url}/demo/`)
    const firstBatch = page.waitForResponse((r) => r.url().endsWith('/v1/batch'))
    await page.click('#consent-accept')
    await page.click('[data-category="mugs"]')
    await page.click('[data-category="apparel"]')
    await page.goBack()
    await page.waitForURL('**/demo/?category=mugs')
    await page.evaluate(() => {
      history.replaceState({}, '', location.href) // same URL: not a page
      history.replaceState({}, '', '#reviews') // fragment only: not a page
    })
    const base = `${pipeline.url}/demo/`
    const id = await anonymousId(context)
    const rows = (await eventsOf(id, 5)).filter((r) => r.type === 'page')
    expect(rows.map((r) => [r.page_url, r.referrer])).toEqual([
      [base, ''],
      [`${base}?category=mugs`, base],
      [`${base}?category=apparel`, `${base}?category=mugs`],
      [`${base}?category=mugs`, `${base}?category=apparel`],
    ])
    // The collector renewed the anonymous-id cookie server-side (against Safari's 7-day cap).
    expect(await (await firstBatch).headerValue('set-cookie')).toBe(
      `sil_aid=${id}; Max-Age=34214400; Path=/; SameSite=Lax`,
    )
  })

  it('calls made before the script loads (the snippet stub) are delivered, in order', async () => {
    const { context, page } = await shopper()
    let release = () => {}
    const loaded = new Promise<void>((resolve) => (release = resolve))
    await page.route('**/sdk.js', async (route) => {
      await loaded
      await route.continue()
    })
    await page.goto(`${pipeline.url}/demo/`, { waitUntil: 'domcontentloaded' })
    const stubbed = await page.evaluate(() => {
      const s = (window as unknown as { sillage: Sillage }).sillage
      s.consent.grant(['analytics'])
      s.track('Early', { n: 1 })
      s.identify('cust_early')
      s.track('Early', { n: 2 })
      s.productViewed({ product_id: 'mug-red' })
      return Array.isArray(s)
    })
    expect(stubbed).toBe(true)
    release()
    const rows = await eventsOf(await waitFor(() => anonymousId(context)), 6)
    expect(rows.map(label)).toEqual([
      'page /demo/',
      'Consent Updated',
      'Early',
      'identify',
      'Early',
      'Product Viewed',
    ])
    expect(rows.map((r) => r.user_id)).toEqual(['', '', '', 'cust_early', 'cust_early', 'cust_early'])
  })
})

describe("Segment's analytics.js (analytics-next 1.84.3) pointed at the collector", () => {
  it('fetches its settings from the collector and delivers page, identify and track', async () => {
    const { page, requests } = await shopper()
    const umd = join(repoRoot, 'tests/node_modules/@segment/analytics-next/dist/umd')
    // The page and the library are served from the collector's origin (fulfilled here); settings and
    // events go to the real collector.
    await page.route(`${pipeline.url}/compat/shop.html`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html><head><script>
          var a = (window.analytics = []);
          a._writeKey = ${JSON.stringify(BROWSER_WRITE_KEY)};
          a._cdn = location.origin;
          ['track', 'page', 'identify', 'alias', 'group'].forEach(function (m) {
            a[m] = function () { a.push([m].concat([].slice.call(arguments))) };
          });
          a.page();
          a.identify('compat-user', { email: 'compat@example.com' });
          a.track('Compat Tested', { product_id: 'mug-blue', price: 12.5 });
        </script><script src="/compat/analytics.js"></script></head><body>compat</body></html>`,
      }),
    )
    await page.route(`${pipeline.url}/compat/analytics.js`, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: readFileSync(join(umd, 'standalone.js')) }),
    )
    await page.route(`${pipeline.url}/analytics-next/bundles/*`, (route) =>
      route.fulfill({
        contentType: 'text/javascript',
        body: readFileSync(join(umd, basename(route.request().url()))),
      }),
    )
    const settings = page.waitForResponse((r) =>
      r.url().endsWith(`/v1/projects/${BROWSER_WRITE_KEY}/settings`),
    )
    await page.goto(`${pipeline.url}/compat/shop.html`)
    expect((await settings).status()).toBe(200)

    const rows = await waitFor(
      async () => {
        const r = await query<{ type: string; event: string; user_id: string; product_id: string }>(
          pipeline.url,
          `SELECT type, event, user_id, product_id FROM sillage.events
           WHERE library_name = 'analytics.js' ORDER BY original_timestamp`,
        )
        return r.length >= 3 ? r : undefined
      },
      { what: "analytics.js's events in ClickHouse" },
    )
    expect(rows.map((r) => r.type).sort()).toEqual(['identify', 'page', 'track'])
    expect(rows.find((r) => r.type === 'track')).toMatchObject({
      event: 'Compat Tested',
      product_id: 'mug-blue',
    })
    expect(rows.find((r) => r.type === 'identify')?.user_id).toBe('compat-user')
    // Segment's own paths: /v1/p, /v1/i, /v1/t.
    expect(requests.map((r) => new URL(r.url()).pathname)).toEqual(
      expect.arrayContaining(['/v1/p', '/v1/i', '/v1/t']),
    )
  })
})
