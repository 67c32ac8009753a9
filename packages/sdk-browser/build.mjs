// Builds the browser SDK with esbuild:
//   dist/sillage.min.js   the script tag build (IIFE, minified): what /sdk.js serves
//   dist/index.js         the ES module (declarations come from `tsc -b`)
//   dist/snippet.min.js   the inline snippet, with SNIPPET_URL_PLACEHOLDER where sdk.js's URL goes
//   dist/sillage-personalize.min.js   the optional personalisation add-on (IIFE): /sdk-personalize.js
// `node build.mjs` writes them; the size test calls buildSdk({ write: false }).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { build } from 'esbuild'

const root = new URL('.', import.meta.url).pathname
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))

/** The snippet holds this string literal where the URL of sdk.js goes. */
export const SNIPPET_URL_PLACEHOLDER = '__SILLAGE_SDK_URL__'

const common = {
  absWorkingDir: root,
  bundle: true,
  target: 'es2022',
  legalComments: 'none',
  define: { __SILLAGE_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
}

/** @param {{ write?: boolean }} [options] @returns {Promise<{ script: string, module: string, snippet: string, personalize: string }>} */
export async function buildSdk({ write = true } = {}) {
  const [script, module, snippet, personalize] = await Promise.all([
    build({
      ...common,
      entryPoints: ['src/global.ts'],
      format: 'iife',
      minify: true,
      write: false,
      // Names of the SDK's internal objects only (the delivery queue and its transport), never of
      // what the page or the collector sees.
      mangleProps: /^(restore|beacon|post|exit)$/,
    }),
    build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', write: false }),
    build({
      ...common,
      entryPoints: ['src/snippet.ts'],
      format: 'esm',
      minify: true,
      write: false,
      define: { SILLAGE_SDK_URL: JSON.stringify(SNIPPET_URL_PLACEHOLDER) },
    }),
    build({
      ...common,
      entryPoints: ['src/personalize-global.ts'],
      format: 'iife',
      minify: true,
      write: false,
    }),
  ])
  const out = {
    script: script.outputFiles[0].text,
    module: module.outputFiles[0].text,
    snippet: snippet.outputFiles[0].text.trim(),
    personalize: personalize.outputFiles[0].text,
  }
  if (write) {
    mkdirSync(`${root}dist`, { recursive: true })
    writeFileSync(`${root}dist/sillage.min.js`, out.script)
    writeFileSync(`${root}dist/index.js`, out.module)
    writeFileSync(`${root}dist/snippet.min.js`, out.snippet + '\n')
    writeFileSync(`${root}dist/sillage-personalize.min.js`, out.personalize)
  }
  return out
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { script, snippet, personalize } = await buildSdk()
  const { gzipSync } = await import('node:zlib')
  const gz = (s) => gzipSync(s, { level: 9 }).length
  console.log(
    `sdk-browser: sillage.min.js ${script.length} B (${gz(script)} B gzip), snippet ${snippet.length} B (${gz(snippet)} B gzip), sillage-personalize.min.js ${personalize.length} B (${gz(personalize)} B gzip)`,
  )
}
