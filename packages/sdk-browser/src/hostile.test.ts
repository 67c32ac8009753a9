import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../tests/helpers/browser.js'
import { buildSdk } from '../build.mjs'
import type { Sillage } from './types.js'

// playwright-core's types through the shared helper (it is a dependency of tests/, not of this package).
type Browser = Awaited<ReturnType<typeof launchChromium>>
type BrowserContext = Awaited<ReturnType<Browser['newContext']>>
type Page = Awaited<ReturnType<BrowserContext['newPage']>>

// The SDK (a fresh build of the current source) in real Chromium, on pages that break what it
// relies on: fetch, sendBeacon, JSON, Object.prototype. A loopback HTTP server serves the page and
// sdk.js and is the collector: it records the batches and answers 200. Nothing escapes into the
// page, nothing is lost.

interface Batch {
  writeKey: string
  batch: Array<{
    type: string
    event?: string
    messageId: string
    anonymousId?: string
    userId?: string
    previousId?: string
    groupId?: string
    timestamp?: string
    properties?: Record<string, unknown>
    traits?: Record<string, unknown>
    context: Record<string, unknown>
  }>
}

let browser: Promise<Browser>
let script: string
let server: Server
let origin: string
const contexts: BrowserContext[] = []
/** Each page has its own write key; its batches are filed under it. */
const received = new Map<string, Batch[]>()
/** Bodies that are not JSON, or of no page of this file. */
const garbled: string[] = []
/** The inline script each page runs before the SDK loads, by write key. */
const preludes = new Map<string, string>()

beforeAll(async () => {
  browser = launchChromium()
  browser.catch(() => undefined)
  script = (await buildSdk({ write: false })).script
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname == '/sdk.js')
      return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    if (url.pathname == '/shop') {
      const key = url.searchParams.get('key') ?? ''
      return res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<!doctype html><title>shop</title><script>${preludes.get(key)}</script><script src="/sdk.js"></script>` +
            `<script>sillage.init({ writeKey: '${key}', autoPage: false, flushInterval: 1e9 }); sillage.consent.grant()</script>`,
        )
    }
    if (url.pathname != '/v1/batch') return res.writeHead(404).end()
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      try {
        const batch = JSON.parse(body) as Batch
        received.get(batch.writeKey)!.push(batch)
      } catch {
        garbled.push(body)
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()))
  await browser?.then(
    (b) => b.close(),
    () => undefined,
  )
  await new Promise((resolve) => server?.close(resolve))
})

/** A page whose inline script `pre` runs before the SDK loads; consent granted, no automatic flush. */
async function hostilePage(
  pre: string,
  query = '',
): Promise<{ page: Page; batches: Batch[]; errors: string[] }> {
  const context = await (await browser).newContext()
  contexts.push(context)
  const page = await context.newPage()
  const key = `wk_hostile_${preludes.size}`
  preludes.set(key, pre)
  const batches: Batch[] = []
  received.set(key, batches)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(`${origin}/shop?key=${key}${query}`)
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

  describe('getters and setters that throw, put on Object.prototype by the page', () => {
    // Keys of events, of their context and of the options and stored choice the SDK reads: an
    // event, its context, the options and the stored choice are objects without a prototype.
    const keys = [
      'type',
      'event',
      'name',
      'userId',
      'anonymousId',
      'previousId',
      'groupId',
      'messageId',
      'timestamp',
      'properties',
      'traits',
      'context',
      'sessionId',
      'consent',
      'campaign',
      'source',
      'host',
      'beforeSend',
      'cookieDomain',
      'autoPage',
      'flushAt',
      'flushInterval',
      'maxQueue',
      'category',
      'policyVersion',
      'buffer',
      'mode',
      'gpc',
      'dnt',
    ]
    const poison = `for (const k of ${JSON.stringify(keys)}) Object.defineProperty(Object.prototype, k, {
      get() { throw new Error('hostile getter ' + k) }, set() { throw new Error('hostile setter ' + k) }, configurable: true })`

    /** Every call of the API, after `poison` if given; the exception it let through, if any. */
    const callAll = (page: Page, poisonNow = '') =>
      page.evaluate((code) => {
        try {
          new Function(code)()
          sillage.track('Listed', { list: [1, 2] })
          sillage.page('Home')
          sillage.identify('u1', { plan: 'pro' })
          sillage.alias('u2')
          sillage.group('g1', { size: 3 })
          sillage.productViewed({ product_id: 'p1' })
          sillage.flush()
          return ''
        } catch (e) {
          return String(e)
        }
      }, poisonNow)

    const expectAllSent = async (batches: Batch[]) => {
      await expect
        .poll(() => events(batches).map((e) => e.event ?? e.type))
        .toEqual(['Consent Updated', 'Listed', 'page', 'identify', 'alias', 'group', 'Product Viewed'])
      for (const e of events(batches)) {
        expect(e.messageId).toMatch(/^[0-9a-v]{26}$/)
        expect(e.anonymousId).toMatch(/^[0-9a-v]{26}$/)
        expect(e.context['sessionId']).toEqual(expect.any(Number))
        expect(e.context['consent']).toMatchObject({ categories: ['analytics'] })
        expect(e.context['campaign']).toEqual({ source: 'news', name: 'spring' })
      }
      const [, listed, page, identify, alias, group] = events(batches)
      expect(listed!.properties).toEqual({ list: [1, 2] })
      expect(page!.properties).toMatchObject({ path: '/shop' })
      expect(identify).toMatchObject({ userId: 'u1', traits: { plan: 'pro' } })
      expect(alias).toMatchObject({ userId: 'u2', previousId: 'u1' })
      expect(group).toMatchObject({ groupId: 'g1', traits: { size: 3 } })
    }

    it('before the SDK loads: no exception in the page, every event sent whole, the stored choice read on the next page', async () => {
      const { page, batches, errors } = await hostilePage(poison, '&utm_source=news&utm_campaign=spring')
      expect(await callAll(page)).toBe('')
      await expectAllSent(batches)
      expect(errors).toEqual([])

      // The next page reads the choice stored in the consent cookie (without policyVersion). A batch
      // whose answer the page had not read before the reload is kept and sent again, with the same
      // messageIds (at least once): only those may come back beside the new event.
      const first = new Set(events(batches).map((e) => e.messageId))
      batches.length = 0
      await page.reload()
      expect(await page.evaluate(() => sillage.consent.get().state)).toBe('granted')
      await page.evaluate(() => {
        sillage.track('Again')
        sillage.flush()
      })
      await expect.poll(() => events(batches).map((e) => e.event)).toContain('Again')
      const again = events(batches).filter((e) => !first.has(e.messageId))
      expect(again.map((e) => e.event)).toEqual(['Again'])
      expect(again[0]!.context['consent']).toMatchObject({ categories: ['analytics'] })
      expect(errors).toEqual([])
    })

    it('after the SDK loaded: no exception in the page, every event sent whole', async () => {
      const { page, batches, errors } = await hostilePage('', '&utm_source=news&utm_campaign=spring')
      expect(await callAll(page, poison)).toBe('')
      await expectAllSent(batches)
      expect(errors).toEqual([])
    })
  })

  describe('JSON.stringify replaced before the SDK loads', () => {
    // Prototype.js 1.6 style: its own encoder (`": "` between key and value) and arrays turned
    // into strings by Array.prototype.toJSON.
    const prototypeJs = `
      const encode = (v) => v == null ? 'null' : typeof v.toJSON == 'function' ? encode(v.toJSON())
        : typeof v == 'string' ? '"' + v + '"' : typeof v != 'object' ? String(v)
        : '{' + Object.keys(v).filter((k) => v[k] !== undefined).map((k) => '"' + k + '": ' + encode(v[k])).join(', ') + '}'
      Array.prototype.toJSON = function () { return '[' + this.map(encode).join(', ') + ']' }
      JSON.stringify = encode`

    it.each([
      ['by one that returns undefined', 'JSON.stringify = () => undefined'],
      ['by one that throws', "JSON.stringify = () => { throw new Error('hostile stringify') }"],
      ['by one that returns a string that is not JSON', "JSON.stringify = () => '{\"not json'"],
      ['by an old Prototype.js', prototypeJs],
    ])('%s: no exception in the page, events sent as JSON, the page keeps its own', async (_, pre) => {
      const { page, batches, errors } = await hostilePage(`${pre}; window.pageStringify = JSON.stringify`)
      const thrown = await page.evaluate(() => {
        try {
          sillage.track('Listed', { list: [1, 2], nested: { tags: ['a'] } })
          sillage.flush()
          return ''
        } catch (e) {
          return String(e)
        }
      })
      expect(thrown).toBe('')
      await expect.poll(() => events(batches).map((e) => e.event)).toEqual(['Consent Updated', 'Listed'])
      const [consent, listed] = events(batches)
      expect((consent!.context['consent'] as { categories: unknown }).categories).toEqual(['analytics'])
      expect(listed!.properties).toEqual({ list: [1, 2], nested: { tags: ['a'] } })
      expect(errors).toEqual([])
      expect(garbled).toEqual([])
      // The consent cookie is JSON too.
      const cookie = (await page.context().cookies()).find((c) => c.name == 'sil_consent')
      expect(JSON.parse(decodeURIComponent(cookie!.value))).toMatchObject({ categories: ['analytics'] })
      // The page's JSON.stringify is left as it was, and the SDK left no iframe behind.
      expect(
        await page.evaluate(() => [
          JSON.stringify === (window as unknown as { pageStringify: unknown }).pageStringify,
          document.querySelectorAll('iframe').length,
        ]),
      ).toEqual([true, 0])
    })
  })
})
