import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createSource,
  parseDuration,
  readSourcesFile,
  rotateSource,
  SourcesError,
  writeSourcesFile,
} from './sources-file.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sillage-sources-'))
  dirs.push(dir)
  return join(dir, 'conf', 'sources.json')
}

describe('sources file', () => {
  it('creates sources with fresh keys (wk_ public, sk_ secret) in a 0600 file, and refuses duplicate ids', () => {
    const file = tempFile()
    let sources = createSource(readSourcesFile(file), {
      id: 'web',
      type: 'browser',
      allowedOrigins: ['https://shop.example'],
      consentRequired: 'analytics',
    })
    sources = createSource(sources, { id: 'backend', type: 'server', rateLimitPerMinute: 6000 })
    const saved = writeSourcesFile(file, sources)
    expect(saved.map((s) => [s.id, s.writeKey.slice(0, 3)])).toEqual([
      ['web', 'wk_'],
      ['backend', 'sk_'],
    ])
    expect(saved[0]).toMatchObject({
      allowedOrigins: ['https://shop.example'],
      consent: { required: 'analytics' },
    })
    expect(saved[1]?.rateLimit).toEqual({ perMinute: 6000 })
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readSourcesFile(file)).toEqual(sources)
    expect(() => createSource(sources, { id: 'web', type: 'server' })).toThrow(SourcesError)
    expect(saved[0]?.writeKey).not.toBe(createSource([], { id: 'web', type: 'browser' })[0]?.writeKey)
  })

  it('rotates a key: the old one is kept until now + grace, expired ones are dropped, 0 revokes', () => {
    const now = Date.parse('2026-02-01T00:00:00Z')
    const initial = createSource([], { id: 'web', type: 'browser' })
    const oldKey = initial[0]!.writeKey
    const first = rotateSource(initial, 'web', parseDuration('7d'), now)
    expect(first.writeKey).not.toBe(oldKey)
    expect(first.previousExpiresAt).toBe('2026-02-08T00:00:00.000Z')
    expect(first.sources[0]).toMatchObject({
      writeKey: first.writeKey,
      previousWriteKeys: [{ writeKey: oldKey, expiresAt: '2026-02-08T00:00:00.000Z' }],
    })
    // Ten days later the first previous key has expired: only the one just replaced remains.
    const second = rotateSource(first.sources, 'web', parseDuration('1h'), now + 10 * 86_400_000)
    expect(second.sources[0]?.['previousWriteKeys']).toEqual([
      { writeKey: first.writeKey, expiresAt: '2026-02-11T01:00:00.000Z' },
    ])
    const revoked = rotateSource(first.sources, 'web', 0, now)
    expect(revoked.previousExpiresAt).toBeUndefined()
    expect(revoked.sources[0]?.['previousWriteKeys']).toEqual([
      { writeKey: oldKey, expiresAt: '2026-02-08T00:00:00.000Z' },
    ])
    expect(() => rotateSource(initial, 'nope', 0, now)).toThrow(/no source "nope"/)
    // What rotation writes is valid for the collector.
    const file = tempFile()
    expect(writeSourcesFile(file, second.sources)[0]?.previousWriteKeys).toHaveLength(1)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(second.sources)
  })

  it('parses grace durations', () => {
    expect(parseDuration('7d')).toBe(7 * 86_400_000)
    expect(parseDuration('36h')).toBe(36 * 3_600_000)
    expect(parseDuration('90m')).toBe(90 * 60_000)
    expect(parseDuration('0')).toBe(0)
    expect(() => parseDuration('7')).toThrow(SourcesError)
    expect(() => parseDuration('a week')).toThrow(SourcesError)
  })

  it('refuses a file that is not a valid sources array, saying where', () => {
    expect(() => writeSourcesFile(tempFile(), [{ id: 'x', writeKey: 'short' }])).toThrow(/writeKey/)
  })
})
