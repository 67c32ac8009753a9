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

/** UTM parameters of a query string, as Segment's `context.campaign` (utm_campaign is `name`). */
export function campaign(search: string): Record<string, string> | undefined {
  if (search !== lastSearch) {
    lastSearch = search
    lastCampaign = undefined
    new URLSearchParams(search).forEach((v, k) => {
      if (k.startsWith('utm_')) (lastCampaign ||= {})[k == 'utm_campaign' ? 'name' : k.slice(4)] = v
    })
  }
  return lastCampaign
}

// Taken at load: a page that replaces JSON.stringify later does not reach the SDK.
const json = JSON.stringify
const A = Array.prototype as { toJSON?: unknown }

/**
 * JSON of `v` as the collector reads it, whatever the page did to Array.prototype.toJSON
 * (Prototype.js and old MooTools turn every array into a string): unset for the call, then put back
 * (an assignment keeps the property's attributes).
 */
export function stringify(v: unknown): string {
  const t = A.toJSON
  if (t) A.toJSON = undefined
  try {
    return json(v)
  } finally {
    if (t) A.toJSON = t
  }
}
