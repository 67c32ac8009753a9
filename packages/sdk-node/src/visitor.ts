import type { Consent, ConsentCookieValue } from '@sillage/schemas'
import { COOKIES } from './cookies.js'

/**
 * The browser visitor behind an HTTP request, read from the browser SDK's first-party cookies
 * (names and formats: `schemas/src/cookies.ts`), so that server-side calls stitch to the
 * browsing journey.
 */
export interface Visitor {
  /** The browser SDK's anonymous id (cookie `sil_aid`). */
  anonymousId?: string
  /** The browser session (cookie `sil_sid`), as the browser sends it in `context.sessionId`. */
  sessionId?: string | number
  /** The visitor's consent (cookie `sil_consent`, and the `Sec-GPC` and `DNT` headers). */
  consent?: Consent
  /** The shopper's IP; the collector truncates it unless the source keeps full IPs. */
  ip?: string
  userAgent?: string
}

type HeaderValue = string | string[] | undefined

/** Node's IncomingMessage, an Express request or a Fastify request. */
export interface RequestLike {
  headers: Record<string, HeaderValue>
  /** Express and Fastify compute it, honouring their own `trust proxy` settings. */
  ip?: string | undefined
  socket?: { remoteAddress?: string | undefined } | null | undefined
}

export interface VisitorOptions {
  /**
   * For a bare IncomingMessage behind a proxy: take the client IP from `X-Forwarded-For`.
   * Express and Fastify requests already carry `ip`, which is used as it is.
   */
  trustProxy?: boolean
  /** Attach the request's IP and User-Agent. Default true. */
  network?: boolean
}

const MAX_ID = 512
const SESSION_DIGITS = /^\d{1,16}$/

function header(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value.join('; ') : value
}

function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}

/** `Cookie` header → name → raw value; the first occurrence of a name wins (RFC 6265 §5.4). */
export function parseCookies(cookieHeader: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (!cookieHeader) return out
  for (const raw of cookieHeader.split(';')) {
    const part = raw.trim()
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    if (out.has(name)) continue
    let value = part.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    out.set(name, value)
  }
  return out
}

/** The consent cookie's value (`encodeURIComponent(JSON.stringify(consent))`), or undefined. */
export function parseConsentCookie(raw: string): ConsentCookieValue | undefined {
  const text = decode(raw)
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const o = parsed as Record<string, unknown>
  if (!Array.isArray(o['categories'])) return undefined
  const categories = (o['categories'] as unknown[]).filter((c): c is string => typeof c === 'string')
  const consent: ConsentCookieValue = { categories }
  if (typeof o['policyVersion'] === 'string') consent.policyVersion = o['policyVersion']
  if (typeof o['gpc'] === 'boolean') consent.gpc = o['gpc']
  if (typeof o['dnt'] === 'boolean') consent.dnt = o['dnt']
  return consent
}

/** The visitor in a set of raw cookie values (for frameworks that already parsed them). */
export function visitorFromCookies(cookies: ReadonlyMap<string, string>): Visitor {
  const visitor: Visitor = {}
  const aid = cookies.get(COOKIES.anonymousId)
  const anonymousId = aid === undefined ? undefined : decode(aid)
  if (anonymousId && anonymousId.length <= MAX_ID) visitor.anonymousId = anonymousId
  const sid = cookies.get(COOKIES.session)
  const session = sid === undefined ? undefined : decode(sid)
  if (session && session.length <= MAX_ID) {
    // The browser sends the session's start time as a number; send the same JSON value.
    visitor.sessionId = SESSION_DIGITS.test(session) ? Number(session) : session
  }
  const consent = cookies.get(COOKIES.consent)
  const parsed = consent === undefined ? undefined : parseConsentCookie(consent)
  if (parsed) visitor.consent = parsed
  return visitor
}

/** The visitor behind a request: cookies, GPC and DNT, IP and User-Agent. */
export function visitorFromRequest(req: RequestLike, opts: VisitorOptions = {}): Visitor {
  const visitor = visitorFromCookies(parseCookies(header(req.headers['cookie'])))
  // The shopper's privacy signals, recorded as the collector records them on browser requests.
  if (header(req.headers['sec-gpc'])?.trim() === '1') visitor.consent = { ...visitor.consent, gpc: true }
  if (header(req.headers['dnt'])?.trim() === '1') visitor.consent = { ...visitor.consent, dnt: true }
  if (opts.network !== false) {
    const forwarded = opts.trustProxy
      ? header(req.headers['x-forwarded-for'])?.split(',')[0]?.trim()
      : undefined
    const ip = forwarded || req.ip || req.socket?.remoteAddress
    if (ip) visitor.ip = ip
    const ua = header(req.headers['user-agent'])
    if (ua) visitor.userAgent = ua.slice(0, 1024)
  }
  return visitor
}
