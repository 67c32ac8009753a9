import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { pnpmScript } from './banner.js'

/** JSON that is safe inside a <script> element: no "</script>", no HTML comment openers. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029')
}

/** The pages of the demo shop (apps/sillage/demo); nothing else under /demo/ is served. */
export const DEMO_PAGES = ['index', 'product', 'cart', 'checkout', 'order', 'account'] as const

/** Where the browser SDK's build leaves the snippet (with its URL placeholder): a declared dependency. */
function snippetFile(): string {
  const require = createRequire(import.meta.url)
  try {
    return require.resolve('@sillage/sdk-browser/snippet.min.js')
  } catch {
    return join(dirname(require.resolve('@sillage/sdk-browser/package.json')), 'dist/snippet.min.js')
  }
}
const SNIPPET_URL_PLACEHOLDER = '"__SILLAGE_SDK_URL__"'

/**
 * The real install snippet, as a site pastes it: the stub loader pointed at the collector's
 * /sdk.js, then `sillage.init` with the demo source's write key (JSON made safe for <script>).
 */
export function demoSnippet(writeKey: string, snippet = readSnippet()): string {
  if (!snippet.includes(SNIPPET_URL_PLACEHOLDER)) throw new Error('the SDK snippet has no URL placeholder')
  const options = { writeKey, consent: { policyVersion: 'demo-1' } }
  return `${snippet.replace(SNIPPET_URL_PLACEHOLDER, scriptSafeJson('/sdk.js'))}\nsillage.init(${scriptSafeJson(options)});`
}

function readSnippet(): string {
  try {
    return readFileSync(snippetFile(), 'utf8').trim()
  } catch (cause) {
    throw new Error(
      `the browser SDK is not built (${snippetFile()}): run ${pnpmScript('build') ?? 'the build'}`,
      { cause },
    )
  }
}

/** A value made safe inside a double-quoted HTML attribute. */
const htmlAttribute = (value: string): string => value.replace(/[&"<>']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * The demo shop at /demo/: static pages that load the browser SDK with the real snippet. The
 * pages are read and filled in once; the write key is the only value put into them.
 */
export function registerDemoRoutes(app: FastifyInstance, deps: { writeKey: string }) {
  const dir = new URL('../demo/', import.meta.url)
  const snippet = demoSnippet(deps.writeKey)
  const html = new Map(
    DEMO_PAGES.map((name) => [
      `${name}.html`,
      readFileSync(new URL(`${name}.html`, dir), 'utf8')
        .replace('/* SILLAGE_SNIPPET */', () => snippet)
        .replaceAll('__SILLAGE_WRITE_KEY__', () => htmlAttribute(deps.writeKey)),
    ]),
  )
  const assets = new Map([
    ...['shop.js', 'catalogue.js'].map(
      (name) =>
        [
          name,
          { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL(name, dir), 'utf8') },
        ] as const,
    ),
    ['shop.css', { type: 'text/css; charset=utf-8', body: readFileSync(new URL('shop.css', dir), 'utf8') }],
  ])

  app.get('/demo', async (_request, reply) => reply.redirect('/demo/'))
  app.get('/demo/', async (_request, reply) => sendPage(reply, html.get('index.html')!))
  app.get('/demo/:file', async (request, reply) => {
    const { file } = request.params as { file: string }
    const page = html.get(file)
    if (page !== undefined) return sendPage(reply, page)
    const asset = assets.get(file)
    if (asset === undefined) return reply.callNotFound()
    return reply.header('cache-control', 'no-cache').type(asset.type).send(asset.body)
  })
}

function sendPage(reply: FastifyReply, page: string) {
  return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page)
}
