import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './helpers/browser.js'
import {
  ADMIN_TOKEN,
  freePort,
  postBatch,
  repoRoot,
  startPipeline,
  tempDir,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'

// The live event debugger in real Chromium, against `sillage start` (the built CLI): the demo shop
// sends events in one browser context while an admin watches /debugger/ in another.

const SHOTS = join(repoRoot, '.cache/screenshots')
let pipeline: Pipeline
let browser: Browser
const dir = tempDir('sillage-debugger-')
const contexts: BrowserContext[] = []
let debuggerPage: Page
const pageErrors: string[] = []

beforeAll(async () => {
  ;[pipeline, browser] = await Promise.all([
    freePort().then((port) => startPipeline({ dataDir: dir.path, port, browserSource: true })),
    launchChromium(),
  ])
  const context = await browser.newContext()
  contexts.push(context)
  debuggerPage = await context.newPage()
  debuggerPage.on('pageerror', (err) => pageErrors.push(err.message))
})
afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()))
  await browser?.close()
  await pipeline?.stop()
  dir.remove()
})

/** The rows the debugger shows, as the admin reads them. */
async function rows(page: Page): Promise<string[][]> {
  return page.$$eval('#rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')))
}

async function waitForRow(page: Page, contains: string, timeoutMs = 10_000): Promise<string[]> {
  return waitFor(async () => (await rows(page)).find((cells) => cells.some((c) => c.includes(contains))), {
    timeoutMs,
    intervalMs: 25,
    what: `a debugger row with ${contains}`,
  })
}

async function setFilter(page: Page, selector: string, value: string): Promise<void> {
  await page.fill(selector, value)
  // The page reconnects with the new filter (debounced); wait for it to be live again.
  await waitFor(async () => (await page.textContent('#status')) === 'live', {
    what: 'the stream to reconnect',
  })
}

describe('live event debugger', () => {
  it('asks for the admin token, then keeps only an HttpOnly, SameSite=Strict session cookie', async () => {
    const page = debuggerPage
    await page.goto(`${pipeline.url}/debugger/`)
    await page.fill('#token', 'not-the-admin-token')
    await page.click('button[type=submit]')
    expect(await page.isVisible('#error')).toBe(true)

    await page.fill('#token', ADMIN_TOKEN)
    await page.click('button[type=submit]')
    await page.waitForSelector('#rows', { state: 'attached' })
    await waitFor(async () => (await page.textContent('#status')) === 'live', { what: 'the stream to open' })
    const cookies = await page.context().cookies()
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path])).toEqual([
      ['sillage_debugger', true, 'Strict', '/debugger'],
    ])
    expect(cookies[0]?.value).not.toContain(ADMIN_TOKEN)
    // The page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('')
  })

  it('an event sent by the demo shop appears within 2 seconds, then with its stitched person', async () => {
    const shopContext = await browser.newContext()
    contexts.push(shopContext)
    const shop = await shopContext.newPage()
    await shop.goto(`${pipeline.url}/demo/`)
    const sent = shop.waitForResponse(
      (r) => new URL(r.url()).pathname.startsWith('/v1/') && r.status() === 200,
    )
    await shop.click('#consent-accept')
    await sent
    const acceptedAt = Date.now()
    const anonymousId = (await shopContext.cookies()).find((c) => c.name === 'sil_aid')?.value ?? ''
    expect(anonymousId).not.toBe('')

    const row = await waitForRow(debuggerPage, anonymousId, 2_000)
    expect(Date.now() - acceptedAt).toBeLessThan(2_000)
    // received, source, status, type, event, ids, person, reason
    expect(row.slice(1, 4)).toEqual(['demo', 'accepted', row[3]])

    // Identity runs in the same process: once the event is stored, its person shows.
    const withPerson = await waitFor(
      async () => (await rows(debuggerPage)).find((c) => c[5]?.includes(anonymousId) && c[6] !== ''),
      { timeoutMs: 15_000, intervalMs: 50, what: 'the person of the demo shop event' },
    )
    expect(withPerson[6]).toMatch(/^[0-9a-f]{32}$/)
  })

  it('shows the resolved person: a visitor who logs in is one person, earlier rows included', async () => {
    const at = Date.now()
    const ts = (i: number) => new Date(at + i).toISOString()
    await postBatch(pipeline.url, [
      { type: 'page', name: 'Home', anonymousId: 'dbg-visitor', messageId: 'dbg-1', timestamp: ts(1) },
    ])
    const anonymous = await waitFor(
      async () => (await rows(debuggerPage)).find((c) => c[5] === 'dbg-visitor' && c[6] !== '')?.[6],
      { timeoutMs: 15_000, intervalMs: 50, what: 'the anonymous person' },
    )
    await postBatch(pipeline.url, [
      {
        type: 'identify',
        anonymousId: 'dbg-visitor',
        userId: 'dbg-user',
        messageId: 'dbg-2',
        timestamp: ts(2),
      },
      { type: 'track', event: 'Order Completed', userId: 'dbg-user', messageId: 'dbg-3', timestamp: ts(3) },
    ])
    // The three rows end up with one person, the customer's (events_resolved's), not the anonymous one.
    const persons = await waitFor(
      async () => {
        const mine = (await rows(debuggerPage)).filter((c) => c[5]?.includes('dbg-'))
        const ps = new Set(mine.map((c) => c[6]))
        return mine.length === 3 && ps.size === 1 && !ps.has('') ? [...ps] : undefined
      },
      { timeoutMs: 15_000, intervalMs: 50, what: 'one person on the visitor’s three rows' },
    )
    expect(persons[0]).not.toBe(anonymous)
    expect(persons[0]).toMatch(/^[0-9a-f]{32}$/)
  })

  it('shows event content inertly: markup in an event is text, never HTML, and no script runs', async () => {
    const page = debuggerPage
    const markup = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    const res = await postBatch(pipeline.url, [
      {
        type: 'track',
        event: `Hostile <b>name</b><img src=x onerror="window.__pwned=3">`,
        anonymousId: 'xss-<svg onload="window.__pwned=4">',
        properties: { note: markup },
      },
    ])
    expect(res.status).toBe(200)
    const row = await waitForRow(page, 'Hostile')
    expect(row[4]).toBe('Hostile <b>name</b><img src=x onerror="window.__pwned=3">')
    expect(row[5]).toBe('xss-<svg onload="window.__pwned=4">')

    await page.click('#rows tr:has-text("Hostile")')
    const json = (await page.textContent('#json')) ?? ''
    expect(json).toContain(
      '"note": "<img src=x onerror=\\"window.__pwned=1\\"><script>window.__pwned=2</script>"',
    )
    expect(await page.isVisible('#json')).toBe(true)

    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    expect(
      await page.$$('#rows img, #rows script, #rows svg, #rows b, #detail img, #detail script'),
    ).toHaveLength(0)
    expect(pageErrors).toEqual([])
  })

  for (const width of [1200, 1600]) {
    it(`lays out at ${width} px with the JSON pane open: no word broken, every column readable`, async () => {
      const page = debuggerPage
      await page.setViewportSize({ width, height: 900 })
      await postBatch(pipeline.url, [
        {
          type: 'track',
          event: 'Checkout Step Completed',
          anonymousId: 'layout-0b7d1f7c-4f7e-4a51-9a2e-6c1f0e9d2b11',
          userId: 'customer-with-a-rather-long-identifier@example.com',
          properties: { step: 2, shipping_method: 'express' },
        },
        { type: 'track', event: 7, anonymousId: 'layout-rejected' },
      ])
      await waitForRow(page, 'Checkout Step Completed')
      await waitForRow(page, 'layout-rejected')
      await page.click('#rows tr:has-text("Checkout Step Completed")')
      expect(await page.isVisible('#json')).toBe(true)
      mkdirSync(SHOTS, { recursive: true })
      await page.screenshot({ path: join(SHOTS, `debugger-${width}.png`) })

      // No word cut in two: a word split over two lines has client rects on two lines (words end at a space or just after a hyphen, where a line may break). Only the source,
      // event, id and person columns may cut a long value, with an ellipsis and the full value
      // as the tooltip; every other cell shows all of its text.
      const broken = await page.$$eval('#events th, #events td', (cells) =>
        cells.flatMap((cell) => {
          const value = cell.textContent ?? ''
          if (cell.scrollWidth > cell.clientWidth) {
            const ellipsis = ['source', 'event', 'ids', 'person'].includes(cell.className)
            return ellipsis && cell.getAttribute('title') === value ? [] : [`cut: ${value}`]
          }
          const text = cell.firstChild
          if (!text || text.nodeType !== Node.TEXT_NODE) return []
          const out: string[] = []
          for (const m of value.matchAll(/[^\s-]+-?/g)) {
            const range = document.createRange()
            range.setStart(text, m.index)
            range.setEnd(text, m.index + m[0].length)
            const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)))
            if (lines.size > 1) out.push(`broken: ${m[0]}`)
          }
          return out
        }),
      )
      expect(broken).toEqual([])
      // Every column keeps a readable width, and the table does not run under the JSON pane.
      const widths = await page.$$eval('#events th', (ths) =>
        ths.map((th) => th.getBoundingClientRect().width),
      )
      for (const w of widths) expect(w).toBeGreaterThanOrEqual(48)
      const [table, pane] = await Promise.all([
        page.$eval('#events', (t) => t.parentElement!.getBoundingClientRect().right),
        page.$eval('#detail', (d) => d.getBoundingClientRect().left),
      ])
      expect(table).toBeLessThanOrEqual(pane)
    })
  }

  it('shows rejected events with their reason, and filters by event name and by user or anonymous id', async () => {
    const page = debuggerPage
    await setFilter(page, '#id', 'filter-probe')
    expect(await rows(page)).toEqual([]) // nothing of that id yet (the list restarts on a new filter)
    await postBatch(pipeline.url, [
      { type: 'track', event: 'Probe Accepted', anonymousId: 'filter-probe-1' },
      { type: 'track', event: 42, anonymousId: 'filter-probe-2' },
      { type: 'track', event: 'Probe Elsewhere', anonymousId: 'someone-else' },
    ])
    const rejected = await waitForRow(page, 'filter-probe-2')
    expect(rejected[2]).toBe('rejected')
    expect(rejected[7]).toMatch(/^SIL_EVENT_SCHEMA: .*event/)
    await waitForRow(page, 'Probe Accepted')
    // Only the two probes (the accepted and the rejected one arrive in either order).
    expect((await rows(page)).map((r) => r[5]).sort()).toEqual(['filter-probe-1', 'filter-probe-2'])

    await setFilter(page, '#event', 'accepted')
    // The backlog, filtered: only the accepted probe (the rejected one has no event name).
    await waitForRow(page, 'Probe Accepted')
    expect((await rows(page)).map((r) => r[4])).toEqual(['Probe Accepted'])
  })
})
