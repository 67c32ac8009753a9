import { describe, expect, it } from 'vitest'
import { isSupportedVersion, parseVersion } from './server-version.js'

describe('ClickHouse version gate', () => {
  it.each([
    ['26.7.3.1', true],
    ['25.8.1.1', true],
    ['23.8.2.7', true],
    ['23.7.9.9', false],
    ['22.12.1', false],
    ['18.16.1', false],
    ['', false],
    ['unknown', false],
  ])('%s supported: %s', (version, supported) => {
    expect(isSupportedVersion(version)).toBe(supported)
  })

  it('parses major and minor', () => {
    expect(parseVersion('24.3.18.7')).toEqual([24, 3])
    expect(parseVersion('x')).toBeUndefined()
  })
})
