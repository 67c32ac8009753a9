import { describe, expect, it } from 'vitest'
import { truncateIp } from './ip.js'

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['10.1.2.3', '10.1.2.0'],
    ['::ffff:198.51.100.9', '198.51.100.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:0db8:0000::1', '2001:db8:0::'],
    ['::1', '0:0:0::'],
    ['fe80::1ff:fe23:4567:890a', 'fe80:0:0::'],
    ['not an ip', ''],
    ['', ''],
  ])('%s -> %s', (ip, expected) => {
    expect(truncateIp(ip)).toBe(expected)
  })
})
