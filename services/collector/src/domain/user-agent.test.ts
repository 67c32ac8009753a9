import { describe, expect, it } from 'vitest'
import { createUserAgentParser } from './user-agent.js'

describe('createUserAgentParser', () => {
  const parse = createUserAgentParser()
  it.each([
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
      { browser: 'Safari', os: 'iOS', deviceType: 'mobile', bot: false },
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      { browser: 'Chrome', os: 'Windows', deviceType: 'desktop', bot: false },
    ],
    [
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      { deviceType: 'bot', bot: true },
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36',
      { bot: true },
    ],
    ['curl/8.5.0', { bot: true }],
  ])('%s', (ua, expected) => {
    expect(parse(ua)).toMatchObject(expected)
  })

  it('returns the cached parse for a repeated user agent', () => {
    const ua =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15'
    expect(parse(ua)).toBe(parse(ua))
  })
})
