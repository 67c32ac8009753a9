import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { demoSources, paths, profileReadKeys } from './data-dir.js'

describe('demoSources (embedded mode without SILLAGE_SOURCES)', () => {
  const dirs: string[] = []
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'sillage-data-dir-'))
    dirs.push(d)
    return d
  }
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('creates the demo browser source and the seed server source once, then reuses their keys', () => {
    const d = dir()
    const first = demoSources(d, ['http://127.0.0.1:8080'])
    expect(first.map((s) => [s.id, s.type, s.rateLimit])).toEqual([
      ['demo', 'browser', { perMinute: expect.any(Number) }],
      ['seed', 'server', null],
    ])
    expect(first[1]!.writeKey).toMatch(/^sk_seed_[0-9a-f]{32}$/)
    const again = demoSources(d, ['http://127.0.0.1:9090'])
    expect(again.map((s) => s.writeKey)).toEqual(first.map((s) => s.writeKey))
    expect(again[0]!.allowedOrigins).toContain('http://127.0.0.1:9090')
  })

  it('adds the seed source to a data dir made before it existed, keeping the demo key', () => {
    const d = dir()
    const old = [
      { id: 'demo', writeKey: 'demo_0123456789abcdef01234567', type: 'browser', allowedOrigins: [] },
    ]
    writeFileSync(paths(d).sources, JSON.stringify(old))
    const sources = demoSources(d, [])
    expect(sources.map((s) => [s.id, s.writeKey.slice(0, 8)])).toEqual([
      ['demo', 'demo_012'],
      ['seed', 'sk_seed_'],
    ])
    const stored = JSON.parse(readFileSync(paths(d).sources, 'utf8')) as Array<{ id: string }>
    expect(stored.map((s) => s.id)).toEqual(['demo', 'seed'])
  })

  it("stops on a misspelt key in the data dir's sources.json, naming the right one", () => {
    const d = dir()
    const sources = [
      { id: 'demo', writeKey: 'demo_0123456789abcdef01234567', type: 'browser', trackingplan: {} },
      { id: 'seed', writeKey: 'sk_seed_0123456789abcdef0123', type: 'server' },
    ]
    writeFileSync(paths(d).sources, JSON.stringify(sources))
    expect(() => demoSources(d, [])).toThrow(/unknown key "trackingplan" \(did you mean "trackingPlan"\?\)/)
  })
})

describe('profileReadKeys (embedded mode without SILLAGE_PROFILE_READ_KEYS)', () => {
  let d = ''
  beforeEach(() => {
    d = mkdtempSync(join(tmpdir(), 'sillage-read-key-'))
  })
  afterEach(() => rmSync(d, { recursive: true, force: true }))

  it('creates one demo read key for every source once, then reuses it', () => {
    const [first] = profileReadKeys(d, [])
    expect(first).toEqual({
      id: 'demo',
      key: expect.stringMatching(/^rk_demo_[0-9a-f]{32}$/),
      sources: ['*'],
    })
    expect(readFileSync(paths(d).profileReadKey, 'utf8').trim()).toBe(first!.key)
    expect(profileReadKeys(d, [])).toEqual([first])
  })

  it('keeps the configured read keys and writes no file', () => {
    const configured = [{ id: 'shop', key: 'rk_shop_0123456789abcdef', sources: ['web'] }]
    expect(profileReadKeys(d, configured)).toBe(configured)
    expect(existsSync(paths(d).profileReadKey)).toBe(false)
  })
})
