import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../tests/helpers/browser.js'
import { buildSdk } from '../build.mjs'
import type { Sillage } from './types.js'

// playwright-core's types through the shared helper (it is a dependency of tests/, not of this package).
type Browser = Awaited<ReturnType<typeof launchChromium>>
type BrowserContext = Awaited<ReturnType<Browser['newContext']>>
type Page = Awaited<ReturnType<BrowserContext['newPage']>>

// The SDK (a fresh build of the current source) in real Chromium, on pages that break what it
// relies on: fetch, sendBeacon, JSON. The page is served from loopback and the collector is a
// route that records the batches and answers 200. Nothing escapes into the page, nothing is lost.

const ORIGIN = 'http://127.0.0.1:8999'
const WRITE_KEY = 'wk_hostile'

interface Batch {
  writeKey: string
  batch: Array<{
    event?: string
    messageId: string
    properties?: Record<string, unknown>
    context: Record<string, unknown>
  }>
}

let browser: Promise<Browser>
let script: string
const contexts: BrowserContext[] = []

beforeAll(async () => {
  browser = launchChromium()
  browser.catch(() => undefined)
  script = (await buildSdk({ write: false })).script
})
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()))
  await browser?.then(
    (b) => b.close(),
    () => undefined,
  )
})

/** A page whose inline script `pre` runs before the SDK loads; consent granted, no automatic flush. */
async function hostilePage(pre: string): Promise<{ page: Page; batches: Batch[]; errors: string[] }> {
  const context = await (await browser).newContext()
  contexts.push(context)
  const page = await context.newPage()
  const batches: Batch[] = []
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.route(`${ORIGIN}/v1/batch`, (route) => {
    batches.push(JSON.parse(route.request().postData() ?? '{}') as Batch)
    return route.fulfill({ status: 200, contentType: 'application/json', body: '{"success":true}' })
  })
  await page.route(`${ORIGIN}/sdk.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: script }),
  )
  await page.route(`${ORIGIN}/shop`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body:
        `<!doctype html><title>shop</title><script>${pre}</script><script src="/sdk.js"></script>` +
        `<script>sillage.init({ writeKey: '${WRITE_KEY}', autoPage: false, flushInterval: 1e9 }); sillage.consent.grant()</script>`,
    }),
  )
  await page.goto(`${ORIGIN}/shop`)
  return { page, batches, errors }
}

declare const sillage: Sillage

const events = (batches: Batch[]) => batches.flatMap((b) => b.batch)
const stored = (page: Page) =>
  page.evaluate(
    () => (JSON.parse(localStorage.getItem('sil_queue') ?? '{"q":[]}') as { q: Array<{ event?: string }> }).q,
  )

describe('browser SDK on a hostile page', () => {
  it('a fetch that throws: no exception in the page, events kept, delivered once fetch works', async () => {
    const { page, batches, errors } = await hostilePage(
      `window.realFetch = fetch; window.fetch = () => { throw new TypeError('blocked by an extension') }`,
    )
    const thrown = await page.evaluate(() => {
      try {
        sillage.track('Blocked')
        sillage.flush()
        return ''
      } catch (e) {
        return String(e)
      }
    })
    expect(thrown).toBe('')
    expect(errors).toEqual([])
    await expect.poll(async () => (await stored(page)).map((e) => e.event)).toContain('Blocked')

    await page.evaluate(() => {
      window.fetch = (window as unknown as { realFetch: typeof fetch }).realFetch
      sillage.flush()
    })
    await expect.poll(() => events(batches).map((e) => e.event)).toEqual(['Consent Updated', 'Blocked'])
    const ids = events(batches).map((e) => e.messageId)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('a sendBeacon that throws on page exit: no exception in the page, the events kept for the next page', async () => {
    const { page, errors } = await hostilePage(
      `navigator.sendBeacon = () => { throw new TypeError('beacon blocked') }; window.fetch = () => new Promise(() => {})`,
    )
    await page.evaluate(() => {
      sillage.track('Left')
      dispatchEvent(new PageTransitionEvent('pagehide'))
    })
    expect(errors).toEqual([])
    expect((await stored(page)).map((e) => e.event)).toEqual(['Consent Updated', 'Left'])
  })

  it('Array.prototype.toJSON (Prototype.js): arrays still leave as arrays, and the page keeps its toJSON', async () => {
    const { page, batches, errors } = await hostilePage(
      `Array.prototype.toJSON = function () { return '[' + this.join(',') + ']' }`,
    )
    await page.evaluate(() => {
      sillage.track('Listed', { list: [1, 2] })
      sillage.flush()
    })
    await expect.poll(() => events(batches).length).toBe(2)
    expect(errors).toEqual([])
    const [consent, listed] = events(batches)
    expect((consent!.context['consent'] as { categories: unknown }).categories).toEqual(['analytics'])
    expect(listed!.properties).toEqual({ list: [1, 2] })
    expect(await page.evaluate(() => JSON.stringify([1]))).toBe('"[1]"')
  })

  it('JSON.stringify replaced after load by one that throws: track does not throw, events delivered', async () => {
    const { page, batches, errors } = await hostilePage('')
    const thrown = await page.evaluate(() => {
      JSON.stringify = () => {
        throw new Error('hostile stringify')
      }
      try {
        sillage.track('Stringified')
        sillage.flush()
        return ''
      } catch (e) {
        return String(e)
      }
    })
    expect(thrown).toBe('')
    await expect.poll(() => events(batches).map((e) => e.event)).toEqual(['Consent Updated', 'Stringified'])
    expect(errors).toEqual([])
  })
  it('an unreadable stored queue: consent is granted without an exception, and what follows is sent', async () => {
    const { page, batches, errors } = await hostilePage(`localStorage.setItem('sil_queue', '{broken')`)
    await page.evaluate(() => {
      sillage.track('After')
      sillage.flush()
    })
    await expect.poll(() => events(batches).map((e) => e.event)).toEqual(['Consent Updated', 'After'])
    expect(errors).toEqual([])
    expect(await page.evaluate(() => sillage.consent.get().state)).toBe('granted')
  })
})
