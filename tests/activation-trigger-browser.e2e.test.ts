import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifySignature } from '@sillage/activation'
import { launchChromium } from './helpers/browser.js'
import { freePort, query, startPipeline, tempDir, waitFor, type Pipeline } from './helpers/pipeline.js'
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js'

// Issue 19's acceptance in real Chromium: two shoppers in the demo shop against `sillage start`,
// the Cart Abandoned detector (window shortened to its 1-minute minimum), the trigger
// `Cart Abandoned where value > 100` and a signed webhook to a receiver on 127.0.0.1. The cart
// left behind reaches the receiver once; the cart that is ordered never does.
//
// Consent: the demo banner's Accept grants `analytics` only (measurement), and a trigger needs
// marketing consent (docs/activation.md). Both shoppers therefore also opt in to marketing through
// the SDK's consent API, as a shop's marketing opt-in would; so the ordered cart stays silent
// because of the order, not for want of consent.
const SECRET = 'whsec_trigger_browser_0123456789'
const dir = tempDir('sillage-trigger-browser-')
let receiver: Receiver
let pipeline: Pipeline
let browser: Browser
// Headless Chromium announces itself as `HeadlessChrome`, which the collector rightly classes as a
// bot, whose events never make a cart: the shoppers browse with a desktop Chrome user agent.
const SHOPPER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

beforeAll(async () => {
  receiver = await startReceiver()
  writeFileSync(
    join(dir.path, 'audiences.json'),
    JSON.stringify({
      destinations: [{ id: 'hook', type: 'webhook', url: receiver.url }],
      audiences: [],
      triggers: [
        {
          id: 'big-cart',
          event: 'Cart Abandoned',
          where: 'value > 100',
          cooldownHours: 24,
          destinations: ['hook'],
        },
      ],
    }),
  )
  ;[pipeline, browser] = await Promise.all([
    freePort().then((port) =>
      startPipeline({
        dataDir: dir.path,
        port,
        browserSource: true,
        env: {
          SILLAGE_CART_ABANDONMENT_WINDOW_MINUTES: '1',
          SILLAGE_CART_ABANDONMENT_INTERVAL_MS: '1000',
          SILLAGE_CART_ABANDONMENT_GRACE_MS: '0',
          SILLAGE_DESTINATION_SECRET_HOOK: SECRET,
          SILLAGE_DELIVERY_INTERVAL_MS: '1000',
        },
      }),
    ),
    launchChromium({ userAgent: SHOPPER_UA }),
  ])
})
afterAll(async () => {
  await browser?.close()
  await pipeline?.stop()
  await receiver?.close()
  dir.remove()
})

/** Accepts the banner and opts in to marketing, signs in, and fills the cart with 114 € of goods. */
async function shop(page: Page, userId: string) {
  await page.goto(`${pipeline.url}/demo/`)
  await page.click('#consent-accept')
  await page.evaluate(() =>
    (window as unknown as { sillage: { consent: { grant(c: string[]): void } } }).sillage.consent.grant([
      'analytics',
      'marketing',
    ]),
  )
  await page.goto(`${pipeline.url}/demo/account.html`)
  await page.fill('#login-user', userId)
  await page.fill('#login-email', `${userId}@example.com`)
  await page.click('#login')
  await page.waitForSelector('#logged-in', { state: 'visible' })
  for (const id of ['bag-duffel', 'throw-dune']) {
    await page.goto(`${pipeline.url}/demo/product.html?id=${id}`)
    await page.click('#add-to-cart')
    await page.waitForSelector('#added', { state: 'visible' })
  }
  await page.click('#cart-link')
  await page.waitForURL('**/demo/cart.html')
  expect(await page.textContent('#cart-total')).toBe('114,00 €')
}

const firings = () =>
  receiver.requests.flatMap((r) => r.json.items ?? []).filter((i) => i['type'] === 'trigger.fired')
const stored = (userId: string) =>
  query<{ event: string }>(
    pipeline.url,
    `SELECT event FROM sillage.events WHERE user_id = '${userId}' ORDER BY original_timestamp, message_id`,
  )
const detectorTicks = async () => {
  const text = await (await fetch(`${pipeline.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('sillage_cart_abandonment_ticks_total'))
  return Number(line?.split(' ')[1] ?? NaN)
}

describe('trigger in Chromium: a big cart left in the demo shop reaches the webhook', () => {
  it('the abandoned cart above 100 € is delivered once, signed; the ordered one never', async () => {
    // The buyer first: their inactivity window ends before the leaver's, so by the time the
    // leaver's cart is judged abandoned the detector has judged the buyer's too.
    const buyer = await browser.newContext()
    const buyerPage = await buyer.newPage()
    await shop(buyerPage, 'cust_buyer')
    await buyerPage.click('#checkout')
    await buyerPage.waitForURL('**/demo/checkout.html')
    await buyerPage.click('#pay')
    await buyerPage.waitForURL('**/demo/order.html?order=*')
    await buyer.close()

    const leaver = await browser.newContext()
    await shop(await leaver.newPage(), 'cust_leaver')
    await leaver.close()
    // Both sessions' events are stored (the buyer's order, the leaver's adds) before the wait.
    await waitFor(
      async () =>
        (await stored('cust_buyer')).some((r) => r.event === 'Order Completed') &&
        (await stored('cust_leaver')).filter((r) => r.event === 'Product Added').length === 2,
      { what: 'both shoppers’ events in ClickHouse' },
    )

    const fired = await waitFor(
      () => {
        const items = firings()
        return items.length > 0 && items
      },
      { timeoutMs: 120_000, what: 'the trigger delivery' },
    )
    expect(fired.map((i) => [i['trigger'], i['user_id']])).toEqual([['big-cart', 'cust_leaver']])
    const props = fired[0]!['properties'] as { properties: { value: number; item_count: number } }
    expect(props.properties).toMatchObject({ value: 114, item_count: 2 })
    for (const r of receiver.requests) expect(verifySignature(SECRET, r.body, r.signature)).toBe(true)

    // The leaver's Cart Abandoned is stored, then the detector looks once more: every look since
    // the buyer's window ended has passed over the ordered cart.
    await waitFor(async () => (await stored('cust_leaver')).some((r) => r.event === 'Cart Abandoned'), {
      timeoutMs: 30_000,
      what: 'the leaver’s Cart Abandoned in ClickHouse',
    })
    const ticks = await detectorTicks()
    await waitFor(async () => (await detectorTicks()) >= ticks + 2, { what: 'two more detector looks' })
    expect((await stored('cust_buyer')).map((r) => r.event)).not.toContain('Cart Abandoned')
    const recorded = await query<{ user_id: string }>(
      pipeline.url,
      'SELECT user_id FROM sillage.trigger_firings FINAL',
    )
    expect(recorded.map((r) => r.user_id)).toEqual(['cust_leaver'])
    expect(firings()).toHaveLength(1)
  }, 180_000)
})
