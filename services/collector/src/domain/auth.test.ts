import { describe, expect, it } from 'vitest'
import { sourceSchema } from '@sillage/schemas'
import { originAllowed, writeKeyFromAuthorization } from './auth.js'

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`

describe('writeKeyFromAuthorization', () => {
  it.each([
    [basic('wk_123:'), 'wk_123'],
    [basic('wk_123'), 'wk_123'],
    [basic(':'), undefined],
    [`basic   ${Buffer.from('wk_123:').toString('base64')}  `, 'wk_123'],
    ['Basic', undefined],
    ['Bearer abc', undefined],
    [undefined, undefined],
  ])('%s -> %s', (header, key) => {
    expect(writeKeyFromAuthorization(header)).toBe(key)
  })
})

describe('originAllowed', () => {
  const browser = sourceSchema.parse({
    id: 'web',
    writeKey: 'wk_12345678',
    type: 'browser',
    allowedOrigins: ['https://shop.example'],
  })
  const server = sourceSchema.parse({ id: 'srv', writeKey: 'sk_12345678', type: 'server' })
  it('allows listed origins and requests without Origin, refuses others for browser keys', () => {
    expect(originAllowed(browser, 'https://shop.example')).toBe(true)
    expect(originAllowed(browser, undefined)).toBe(true)
    expect(originAllowed(browser, 'https://evil.example')).toBe(false)
    expect(originAllowed(server, 'https://evil.example')).toBe(true)
  })
})
