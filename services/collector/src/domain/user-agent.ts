import Bowser from 'bowser'
import type { ParsedUserAgent } from '@sillage/schemas'

// Crawlers, monitors and headless browsers that Bowser does not classify as bots.
const BOT =
  /bot\b|crawl|spider|slurp|headless|lighthouse|pingdom|uptime|monitor|preview|facebookexternalhit|python-requests|curl\/|wget\//i

/**
 * User agents repeat heavily (one per browser build), so parses are cached: a bounded map,
 * cleared when full. Parsing costs ~50–200 µs; a cache hit is a Map lookup.
 */
export function createUserAgentParser(maxEntries = 2000): (ua: string) => ParsedUserAgent {
  const cache = new Map<string, ParsedUserAgent>()
  return (ua) => {
    const hit = cache.get(ua)
    if (hit) return hit
    const r = Bowser.parse(ua)
    const deviceType = r.platform.type ?? ''
    const parsed: ParsedUserAgent = {
      browser: r.browser.name ?? '',
      browserVersion: r.browser.version ?? '',
      os: r.os.name ?? '',
      deviceType,
      bot: deviceType === 'bot' || BOT.test(ua),
    }
    if (cache.size >= maxEntries) cache.clear()
    cache.set(ua, parsed)
    return parsed
  }
}
