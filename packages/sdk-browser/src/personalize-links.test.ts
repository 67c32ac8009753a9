import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../../../tests/helpers/browser.js'
import { buildSdk } from '../build.mjs'

type Browser = Awaited<ReturnType<typeof launchChromium>>

// The add-on (a fresh build of the current source) in real Chromium: render() links only to web
// URLs, whatever a shop's describe() hands it (a product URL taken from event or catalogue data).
const ORIGIN = 'http://127.0.0.1:8998'
let browser: Browser
let addOn: string

beforeAll(async () => {
  ;[browser, addOn] = await Promise.all([
    launchChromium(),
    buildSdk({ write: false }).then((b) => b.personalize),
  ])
})
afterAll(async () => {
  await browser?.close()
})

describe('sillagePersonalize.render', () => {
  it('links web URLs and leaves javascript: and other schemes unlinked', async () => {
    const page = await browser.newPage()
    await page.route(`${ORIGIN}/sdk-personalize.js`, (route) =>
      route.fulfill({ contentType: 'text/javascript', body: addOn }),
    )
    await page.route(`${ORIGIN}/shop`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<div id="recs" hidden></div><script src="${ORIGIN}/sdk-personalize.js"></script>`,
      }),
    )
    await page.goto(`${ORIGIN}/shop`)
    const links = await page.evaluate(() => {
      const hrefs: Record<string, string> = {
        a: '/p/a',
        b: 'https://shop.example/p/b',
        c: 'javascript:window.__xss=1',
        d: ' JaVaScRiPt:window.__xss=1',
        e: 'data:text/html,<script>window.__xss=1</script>',
      }
      const container = document.getElementById('recs')
      const w = window as unknown as {
        sillagePersonalize: {
          render: (c: HTMLElement | null, t: string, i: Array<{ product_id: string }>, d: unknown) => boolean
        }
      }
      w.sillagePersonalize.render(
        container,
        'Bought together',
        Object.keys(hrefs).map((product_id) => ({ product_id })),
        (id: string) => ({ name: id, href: hrefs[id] }),
      )
      return [...container!.querySelectorAll('a')].map((a) => [a.textContent, a.getAttribute('href')])
    })
    expect(links).toEqual([
      ['a', `${ORIGIN}/p/a`],
      ['b', 'https://shop.example/p/b'],
      ['c', null],
      ['d', null],
      ['e', null],
    ])
    await page.close()
  })
})
