let counter = 0

/** Now, as an ISO-8601 string. */
export const now = (): string => new Date().toISOString()

const b32 = (n: number, width: number) => n.toString(32).padStart(width, '0')

/**
 * A ULID-like id, 26 base32 characters: 10 of time (ms), 3 of a per-page counter, 13 random.
 * Ids made in the same page sort in creation order, even within one millisecond.
 */
export function newId(time = Date.now()): string {
  let s = b32(time, 10) + b32(counter++ & 32767, 3)
  for (const b of crypto.getRandomValues(new Uint8Array(13))) s += b32(b & 31, 1)
  return s
}

/**
 * Milliseconds before retry `attempt` (0-based): exponential from 1 s, capped at 60 s, with
 * jitter (50–100 %), and never earlier than the server's Retry-After (seconds or an HTTP date).
 */
export function backoff(attempt: number, retryAfter: string | null | undefined, clock = Date.now()): number {
  const ra = retryAfter ? +retryAfter * 1e3 || Date.parse(retryAfter) - clock : 0
  return Math.max(Math.min(6e4, 1e3 * 2 ** attempt) * (0.5 + Math.random() / 2), ra || 0)
}

let lastSearch: string | undefined
let lastCampaign: Record<string, string> | undefined

/**
 * UTM parameters of a query string, as Segment's `context.campaign` (utm_campaign is `name`); kept
 * while the query string is the same. Without a prototype, as events are (sillage.ts).
 */
export function campaign(search: string): Record<string, string> | undefined {
  if (search !== lastSearch) {
    lastCampaign = undefined
    new URLSearchParams((lastSearch = search)).forEach((v, k) => {
      if (k.startsWith('utm_'))
        (lastCampaign ||= { __proto__: null } as unknown as Record<string, string>)[
          k == 'utm_campaign' ? 'name' : k.slice(4)
        ] = v
    })
  }
  return lastCampaign
}

// Taken at load: a page that replaces JSON.stringify later does not reach the SDK.
let json = JSON.stringify

/**
 * JSON of `v` as the collector reads it, whatever the page did to Array.prototype.toJSON
 * (Prototype.js and old MooTools turn every array into a string): an array is taken as it is,
 * before its toJSON, and the page's prototypes are left alone.
 */
export const stringify = (v: unknown): string =>
  json(v, function (this: Record<string, unknown>, k: string, x: unknown) {
    const h = this[k]
    return Array.isArray(h) ? h : x
  })

// One replaced before the SDK loaded (old Prototype.js, or one that throws or returns something
// else) fails this check: the SDK then takes the pristine one of a blank same-origin iframe, kept
// after the iframe is removed.
try {
  if (stringify([{}]) != '[{}]') throw 0
} catch {
  const f = document.head.appendChild(document.createElement('iframe'))
  json = (f.contentWindow as unknown as typeof globalThis).JSON.stringify
  f.remove()
}
