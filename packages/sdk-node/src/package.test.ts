import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SDK_ERRORS } from './errors.js'
import { resolveOptions } from './options.js'
import { ulid } from './ulid.js'
import { SDK_VERSION } from './version.js'

const root = new URL('../../../', import.meta.url)

describe('package', () => {
  it('reports the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('packages/sdk-node/package.json', root), 'utf8')) as {
      version: string
    }
    expect(SDK_VERSION).toBe(pkg.version)
  })

  it('documents every error code in docs/sdk-node.md', () => {
    const doc = readFileSync(new URL('docs/sdk-node.md', root), 'utf8')
    expect(Object.keys(SDK_ERRORS).filter((code) => !doc.includes(`\`${code}\``))).toEqual([])
  })
})

describe('resolveOptions', () => {
  it('reports every problem at once and freezes the result', () => {
    expect(() =>
      resolveOptions({ writeKey: '', host: 'ftp://x', maxBatchEvents: 0, overflow: 'block' } as never),
    ).toThrow(/writeKey.*host.*maxBatchEvents.*overflow/)
    const o = resolveOptions({ writeKey: 'k', host: 'http://c.test/base/' })
    expect(o.url).toBe('http://c.test/base/v1/batch') // host's path prefix is kept
    expect(Object.isFrozen(o)).toBe(true)
  })
})

describe('ulid', () => {
  it('is 26 Crockford base32 characters that sort by time, and unique', () => {
    const a = ulid(1_700_000_000_000)
    const b = ulid(1_700_000_000_001)
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
    expect(a < b).toBe(true)
    // The reference implementation (npm ulid) encodes this instant as 01HF7YAT00.
    expect(a.slice(0, 10)).toBe('01HF7YAT00')
    expect(new Set(Array.from({ length: 10_000 }, () => ulid())).size).toBe(10_000)
  })
})
