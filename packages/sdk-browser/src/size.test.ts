import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { buildSdk, SNIPPET_URL_PLACEHOLDER } from '../build.mjs'

// The size budget (docs/architecture: the full core in 3 KB min+gzip), measured on a fresh build
// of the current source, so it cannot pass on a stale dist/. Deterministic: bytes, no timing.
const SCRIPT_BUDGET = 3 * 1024
const SNIPPET_BUDGET = 700
/** The optional personalisation add-on (docs/sdk-browser.md#personalisation), on its own. */
const PERSONALIZE_BUDGET = 1536

const gzip = (s: string) => gzipSync(s, { level: 9 }).length

describe('browser SDK size', async () => {
  const { script, module, snippet, personalize } = await buildSdk({ write: false })

  it(`sillage.min.js is at most ${SCRIPT_BUDGET} bytes min+gzip`, () => {
    expect(gzip(script)).toBeLessThanOrEqual(SCRIPT_BUDGET)
  })

  it(`the inline snippet is at most ${SNIPPET_BUDGET} bytes minified`, () => {
    const pasted = snippet.replace(JSON.stringify(SNIPPET_URL_PLACEHOLDER), '"https://shop.example/sdk.js"')
    expect(Buffer.byteLength(pasted)).toBeLessThanOrEqual(SNIPPET_BUDGET)
  })

  it(`sillage-personalize.min.js is at most ${PERSONALIZE_BUDGET} bytes min+gzip, and not in sillage.min.js`, () => {
    expect(gzip(personalize)).toBeLessThanOrEqual(PERSONALIZE_BUDGET)
    expect(personalize).toContain('/v1/me/recommendations')
    expect(script).not.toContain('/v1/me/recommendations')
  })

  it('has no runtime dependency: nothing of zod or of @sillage/schemas is bundled', () => {
    for (const code of [script, module, personalize]) {
      expect(code).not.toMatch(/\bzod\b|ZodError|safeParse|encodeConsentCookie/)
      expect(code).not.toMatch(/\bimport\b.*\bfrom\b/)
    }
  })
})
