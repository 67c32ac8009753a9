import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './helpers/browser.js'
import {
  ADMIN_TOKEN,
  freePort,
  postBatch,
  startPipeline,
  tempDir,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'

// The live event debugger against hostile event content, in real Chromium against `sillage start`:
// markup stays text, and a right-to-left override (U+202E) cannot disguise what an event holds.
let pipeline: Pipeline
let browser: Browser
let page: Page
const dir = tempDir('sillage-debugger-xss-')
const dialogs: string[] = []

/** "\u202Egnp.exe" is displayed "exe.png": the classic extension spoof. */
const SPOOF = 'user-\u202Egnp.exe'
const MARKUP = '<img src=x onerror="window.__xss=1">'

beforeAll(async () => {
  ;[pipeline, browser] = await Promise.all([
    freePort().then((port) => startPipeline({ dataDir: dir.path, port })),
    launchChromium(),
  ])
  page = await browser.newPage()
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
})
afterAll(async () => {
  await browser?.close()
  await pipeline?.stop()
  dir.remove()
})

describe('live event debugger with hostile event content', () => {
  it('shows markup as text and bidirectional controls as escapes, in the rows and the JSON', async () => {
    await page.goto(`${pipeline.url}/debugger/`)
    await page.fill('#token', ADMIN_TOKEN)
    await page.click('button[type=submit]')
    await waitFor(async () => (await page.textContent('#status')) === 'live', { what: 'the stream to open' })
    const res = await postBatch(pipeline.url, [
      { type: 'track', event: MARKUP, userId: SPOOF, properties: { [MARKUP]: 'javascript:window.__xss=1' } },
    ])
    expect(res.status).toBe(200)
    const row = page.locator('#rows tr', { hasText: 'onerror' })
    await row.waitFor()
    expect(await row.locator('td.event').textContent()).toBe(MARKUP)
    // The override is shown as its escape: the id reads as sent, never as "user-exe.png".
    expect(await row.locator('td.ids').textContent()).toBe('user-\\u202Egnp.exe')
    await row.click()
    const json = (await page.textContent('#json')) ?? ''
    expect(json).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/)
    // Still JSON, of the very event that was sent.
    expect(JSON.parse(json)).toMatchObject({ event: MARKUP, userId: SPOOF })
    expect(await page.locator('#rows img, #detail img, a[href^="javascript:"]').count()).toBe(0)
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined()
    expect(dialogs).toEqual([])
  })
})
