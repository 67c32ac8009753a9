// Browser SDK benchmark (`pnpm bench:sdk`):
//  1. size: min+gzip (and brotli) of the file a site loads, for Sillage (a fresh build) and for the
//     peers, measured from their npm packages in bench/node_modules in the same run. A package that
//     ships only modules is bundled and minified with esbuild, and the table says so;
//  2. main-thread cost of track(), in Chromium: µs per call, timed in the page with performance.now
//     over many calls (batches go to a route that answers 200 at once; see trackCost).
import { readFileSync } from 'node:fs'
import { gzipSync, brotliCompressSync, constants } from 'node:zlib'
import { build, transform } from 'esbuild'
import { chromium } from 'playwright-core'
import { buildSdk } from '../packages/sdk-browser/build.mjs'
import { machine } from './lib.mjs'

/** The installed package's directory (bench/node_modules; some packages do not export package.json). */
const pkgDir = (name) => new URL(`node_modules/${name}`, import.meta.url).pathname
const version = (name) => JSON.parse(readFileSync(`${pkgDir(name)}/package.json`, 'utf8')).version

const gzip = (code) => gzipSync(code, { level: 9 }).length
const brotli = (code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length

/** The file as shipped; one that is not minified (short lines) is minified with esbuild first. */
async function shipped(path, file) {
  const code = readFileSync(path, 'utf8')
  if (code.length / code.split('\n').length > 500) return { code, file }
  return { code: (await transform(code, { minify: true })).code, file: `${file}, minified with esbuild` }
}

async function bundle(entry) {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  })
  return out.outputFiles[0].text
}

async function sizes() {
  const sdk = await buildSdk({ write: false })
  const peers = [
    {
      name: `Sillage ${JSON.parse(readFileSync(new URL('../packages/sdk-browser/package.json', import.meta.url))).version}`,
      file: 'sillage.min.js (/sdk.js)',
      code: sdk.script,
      note: 'everything: consent, queue, retry, offline, SPA, e-commerce',
    },
  ]
  const segment = pkgDir('@segment/analytics-next')
  peers.push({
    name: `@segment/analytics-next ${version('@segment/analytics-next')}`,
    ...(await shipped(`${segment}/dist/umd/standalone.js`, 'dist/umd/standalone.js (the CDN analytics.js)')),
    note: 'more chunks load on demand',
  })
  const rudder = pkgDir('@rudderstack/analytics-js')
  peers.push({
    name: `@rudderstack/analytics-js ${version('@rudderstack/analytics-js')}`,
    file: 'dist/npm/modern/esm (ESM only: bundled + minified with esbuild)',
    code: await bundle(`${rudder}/dist/npm/modern/esm/index.mjs`),
    note: 'plugins load from the CDN',
  })
  const snowplow = pkgDir('@snowplow/browser-tracker')
  peers.push({
    name: `@snowplow/browser-tracker ${version('@snowplow/browser-tracker')}`,
    ...(await shipped(`${snowplow}/dist/index.umd.min.js`, 'dist/index.umd.min.js')),
    note: 'the tag build (sp.js) is another package',
  })
  const posthog = pkgDir('posthog-js')
  peers.push({
    name: `posthog-js ${version('posthog-js')}`,
    ...(await shipped(`${posthog}/dist/array.js`, 'dist/array.js (what the snippet loads)')),
    note: 'recorder, surveys etc. load on demand',
  })
  return {
    rows: peers.map((p) => ({
      ...p,
      min: Buffer.byteLength(p.code),
      gzip: gzip(p.code),
      br: brotli(p.code),
    })),
    snippet: { min: Buffer.byteLength(sdk.snippet), gzip: gzip(sdk.snippet) },
    script: sdk.script,
  }
}

/**
 * track() in Chromium, timed in a cross-origin-isolated page (performance.now at 5 µs resolution):
 * groups of 20 calls (flushAt), so that each group also serialises and sends its batch
 * synchronously; the page idles 10 ms between groups (not timed) for the response. The figure is
 * the median of 5 runs of 100 groups, after a warm-up.
 */
async function trackCost(script) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  })
  const chromiumVersion = browser.version()
  const origin = 'http://localhost:9' // a secure context (for cross-origin isolation); never reached: routed
  const page = await browser.newPage()
  await page.route(`${origin}/**`, (route) => {
    const path = new URL(route.request().url()).pathname
    if (path === '/sdk.js') return route.fulfill({ contentType: 'text/javascript', body: script })
    if (path === '/v1/batch')
      return route.fulfill({ contentType: 'application/json', body: '{"success":true}' })
    return route.fulfill({
      contentType: 'text/html',
      headers: {
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      },
      body: '<!doctype html><title>Blue mug</title><p>bench</p>',
    })
  })
  await page.goto(`${origin}/product.html?id=mug-blue&utm_source=bench`)
  await page.addScriptTag({ url: `${origin}/sdk.js` })
  // Consent granted (opt-out mode): ids, session, consent, queue and batches, as on a real page.
  await page.evaluate(() => window.sillage.init({ writeKey: 'wk_bench', consent: { mode: 'opt-out' } }))
  const result = await page.evaluate(async () => {
    const s = window.sillage
    const props = { product_id: 'mug-blue', name: 'Blue mug', price: 12.5, currency: 'EUR', quantity: 1 }
    const idle = () => new Promise((resolve) => setTimeout(resolve, 10))
    const withSends = async (groups) => {
      let total = 0
      for (let g = 0; g < groups; g++) {
        const t0 = performance.now()
        for (let i = 0; i < 20; i++) s.track('Product Viewed', props)
        total += performance.now() - t0
        await idle()
      }
      return (total * 1000) / (groups * 20)
    }
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    await withSends(50) // warm-up (JIT)
    const sends = []
    for (let r = 0; r < 5; r++) sends.push(await withSends(100))
    return { isolated: crossOriginIsolated, perCall: median(sends), runs: sends }
  })
  await browser.close()
  return { chromium: chromiumVersion, ...result }
}

const { rows, snippet, script } = await sizes()
const cost = await trackCost(script)

const kb = (n) => `${(n / 1024).toFixed(1)} KB`
console.log(
  `\nBrowser SDK — ${machine()}, Chromium ${cost.chromium}, ${new Date().toISOString().slice(0, 10)}\n`,
)
console.log('| library | file a site loads | min | min+gzip | min+brotli | note |')
console.log('|---|---|--:|--:|--:|---|')
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.file} | ${kb(r.min)} | **${r.gzip} B** (${kb(r.gzip)}) | ${kb(r.br)} | ${r.note} |`,
  )
}
console.log(`\nSnippet (inline, before the script): ${snippet.min} B minified, ${snippet.gzip} B gzip.`)
console.log(
  `\ntrack() main-thread cost (consent granted, default batching; performance.now ${cost.isolated ? 'at 5 µs' : 'coarse'}): ` +
    `median ${cost.perCall.toFixed(1)} µs per call, its share of the batch send included ` +
    `(runs: ${cost.runs.map((r) => r.toFixed(1)).join(', ')}); budget 50 µs.`,
)
