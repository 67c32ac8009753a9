/**
 * The first-party cookies the browser SDK writes and the server SDKs read, so that an event sent
 * from a server ("Order Completed") carries the same anonymous id, session and consent as the
 * browsing that led to it. This file is the one place their names and value formats are defined.
 *
 * It imports nothing (no zod): the browser SDK may import it at run time through the zod-free
 * subpath `@sillage/schemas/cookies`, and the Node SDK checks its own copy of the names against
 * these constants at compile time.
 *
 * Common attributes, set by the browser SDK: `Path=/`, `SameSite=Lax`, `Secure` on https, not
 * `HttpOnly` (the SDK reads them back), on the shop's own domain (the registrable domain when the
 * site sets `cookieDomain`, so `www.` and `checkout.` share them). Nothing is written before
 * consent, except the consent choice itself (a strictly necessary cookie).
 *
 * Every value is written with `encodeURIComponent` and read with `decodeURIComponent`.
 */

/**
 * The visitor's anonymous id, exactly the `anonymousId` the browser SDK puts on its events
 * (readers accept any id of 1..512 characters). Max-Age: 13 months (the CNIL's limit for
 * audience-measurement cookies), renewed when the SDK loads; the collector also renews it with a
 * Set-Cookie when it is served on the shop's domain (Safari caps script-written cookies at 7 days).
 */
export const ANONYMOUS_ID_COOKIE = 'sil_aid'

/**
 * The current session, the `context.sessionId` of the browser's events: the session's start time
 * in epoch milliseconds, as decimal digits (for example `1732412345678`). Max-Age: 1800 seconds,
 * renewed on every event, so the cookie expires after 30 minutes of inactivity, like the
 * `sessions` model.
 */
export const SESSION_COOKIE = 'sil_sid'

/**
 * The visitor's consent choice: `encodeURIComponent(JSON.stringify(consent))` where `consent` is
 * a {@link ConsentCookieValue}, the same shape as `context.consent` on events. Written when the
 * visitor chooses (grant or refusal), Max-Age: 180 days.
 */
export const CONSENT_COOKIE = 'sil_consent'

/** All the cookie names, by role. */
export const SILLAGE_COOKIES = {
  anonymousId: ANONYMOUS_ID_COOKIE,
  session: SESSION_COOKIE,
  consent: CONSENT_COOKIE,
} as const

/** Max-Age of each cookie, in seconds. */
export const SILLAGE_COOKIE_MAX_AGE = {
  anonymousId: 396 * 24 * 3600, // 13 months of 30.5 days: 34,214,400 s
  session: 30 * 60,
  consent: 180 * 24 * 3600,
} as const

/** The JSON inside the consent cookie; the same shape as `context.consent`. */
export interface ConsentCookieValue {
  /** Categories granted, for example `["analytics", "marketing"]`; empty when refused. */
  categories: string[]
  policyVersion?: string
  gpc?: boolean
  dnt?: boolean
}

/** The consent cookie's value for `consent`. */
export function encodeConsentCookie(consent: ConsentCookieValue): string {
  return encodeURIComponent(JSON.stringify(consent))
}

/** The consent in a consent cookie's raw value, or undefined when it is not one. */
export function decodeConsentCookie(raw: string): ConsentCookieValue | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(decodeURIComponent(raw))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const o = parsed as Record<string, unknown>
  if (!Array.isArray(o.categories) || !o.categories.every((c) => typeof c === 'string')) return undefined
  const out: ConsentCookieValue = { categories: o.categories as string[] }
  if (typeof o.policyVersion === 'string') out.policyVersion = o.policyVersion
  if (typeof o.gpc === 'boolean') out.gpc = o.gpc
  if (typeof o.dnt === 'boolean') out.dnt = o.dnt
  return out
}
