import { SillageError } from './errors.js'
import type {
  ProfileIdentifierType,
  ProfileResult,
  Recommendation,
  RecommendationsResult,
} from './profile-types.js'
import { MAX_RESPONSE_BYTES, readCapped } from './read-body.js'
import type { Transport } from './transport.js'

export interface ProfileReadOptions {
  /** Give up after this long and answer `unavailable` (or the fallback). Default: the client's. */
  timeoutMs?: number
}

export interface ProfileLookupOptions extends ProfileReadOptions {
  /**
   * The calling code (digits, e.g. "33") a national phone number is read with, for a `phone`
   * lookup (docs/profiles.md). Default: identity's `phoneCountryCode`.
   */
  phoneCountryCode?: string
}

export interface RecommendationOptions extends ProfileReadOptions {
  /** At most this many products (1–50). */
  limit?: number
  /** Product ids returned, as `reason: 'fallback'`, when the service does not answer. */
  fallback?: readonly string[]
}

/** A path segment that URL parsers resolve (RFC 3986 dot-segments, WHATWG's `%2E` forms too). */
const isDotSegment = (segment: string): boolean => segment === '.' || segment === '..'

/**
 * A lone surrogate (`'\ud800'`) has no UTF-8 form, so no URL can carry it: encodeURIComponent
 * throws a URIError, URLSearchParams silently writes U+FFFD in its place.
 */
const LONE_SURROGATE = /[\ud800-\udfff]/u

/**
 * The statuses that refuse this very request, so retrying would not help: a bad read key, a bad
 * identifier, or one too long (the profile API's 414 past 1 KB, or a proxy's; 431 past Node's
 * 16 KB header limit, which counts the URL).
 */
const REFUSED = new Set([400, 401, 403, 414, 431])

/** A read no URL can carry, refused as the profile API refuses a bad identifier (400), unsent. */
function refuseUnsendable(what: string, values: readonly (string | undefined)[]): void {
  if (values.some((v) => v !== undefined && LONE_SURROGATE.test(v)))
    throw new SillageError(
      'SIL_SDK_REQUEST_REFUSED',
      `${what} not sent to the profile API: a lone surrogate (half a UTF-16 pair) is not UTF-8`,
    )
}

/** A JSON object, or undefined for anything else (an HTML error page from a proxy, `null`, …). */
function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** A list of recommendations as the API sends them: objects with a product id, or undefined. */
function recommendationsOf(items: unknown): Recommendation[] | undefined {
  if (!Array.isArray(items)) return undefined
  const valid = items.every(
    (i: unknown) =>
      typeof i === 'object' && i !== null && typeof (i as { product_id?: unknown }).product_id === 'string',
  )
  return valid ? (items as Recommendation[]) : undefined
}

/** Profile and recommendation reads with a read key, a short timeout and a fallback. */
export class ProfilesReader {
  readonly #base: string
  readonly #auth: string | undefined
  readonly #timeoutMs: number
  readonly #transport: Transport

  /** `baseUrl`: the profile API's origin and path prefix, without a trailing slash. */
  constructor(opts: {
    baseUrl: string
    readKey: string | undefined
    timeoutMs: number
    transport: Transport
  }) {
    this.#base = opts.baseUrl
    this.#auth = opts.readKey ? `Bearer ${opts.readKey}` : undefined
    this.#timeoutMs = opts.timeoutMs
    this.#transport = opts.transport
  }

  async profile(
    type: ProfileIdentifierType,
    value: string,
    opts: ProfileLookupOptions = {},
  ): Promise<ProfileResult> {
    // No identifier type is a dot-segment; sent, it would resolve to another path (the server's 400).
    if (isDotSegment(type))
      throw new SillageError('SIL_SDK_REQUEST_REFUSED', `unknown profile identifier type '${type}'`)
    refuseUnsendable('profile read', [type, value, opts.phoneCountryCode])
    // A value `.` or `..` (even as `%2E`) would be resolved away by the URL parser: it goes in the query.
    const query = new URLSearchParams(isDotSegment(value) ? { value } : {})
    if (opts.phoneCountryCode !== undefined) query.set('phoneCountryCode', opts.phoneCountryCode)
    const search = query.size > 0 ? `?${query.toString()}` : ''
    const path = isDotSegment(value)
      ? `/v1/profiles/${encodeURIComponent(type)}${search}`
      : `/v1/profiles/${encodeURIComponent(type)}/${encodeURIComponent(value)}${search}`
    const res = await this.#get(path, opts.timeoutMs)
    if ('reason' in res) return { status: 'unavailable', reason: res.reason }
    if (res.status === 200) {
      const profile = parseObject(res.body)
      // Not a profile (a proxy's JSON, `{}`): a page reading it would fail on a missing field.
      if (typeof profile?.['person_id'] === 'string') return { status: 'found', profile: profile as never }
      return { status: 'unavailable', reason: 'HTTP 200 without a JSON profile', httpStatus: 200 }
    }
    if (res.status === 404) return { status: 'not_found' }
    if (REFUSED.has(res.status))
      throw new SillageError(
        'SIL_SDK_REQUEST_REFUSED',
        `the profile API answered ${res.status} to a profile read: ${res.body.slice(0, 200)}`,
      )
    return { status: 'unavailable', reason: `HTTP ${res.status}`, httpStatus: res.status }
  }

  async recommendations(productId: string, opts: RecommendationOptions = {}): Promise<RecommendationsResult> {
    refuseUnsendable('recommendations read', [productId])
    const q = new URLSearchParams({ product_id: productId })
    if (opts.limit !== undefined) q.set('limit', String(opts.limit))
    const res = await this.#get(`/v1/recommendations?${q.toString()}`, opts.timeoutMs)
    // Items that are not recommendations (`[null]`, ids as numbers) would break the page: fallback.
    const items =
      !('reason' in res) && res.status === 200
        ? recommendationsOf(parseObject(res.body)?.['items'])
        : undefined
    if (items) return { items, fallback: false }
    if (!('reason' in res) && REFUSED.has(res.status))
      throw new SillageError(
        'SIL_SDK_REQUEST_REFUSED',
        `the profile API answered ${res.status} to a recommendations read: ${res.body.slice(0, 200)}`,
      )
    const fallback = (opts.fallback ?? []).slice(0, opts.limit ?? 50).map((product_id) => ({
      product_id,
      reason: 'fallback' as const,
      score: 0,
    }))
    return { items: fallback, fallback: true }
  }

  async #get(
    path: string,
    timeoutMs = this.#timeoutMs,
  ): Promise<{ status: number; body: string } | { reason: string }> {
    if (!this.#auth)
      throw new SillageError('SIL_SDK_INVALID_OPTIONS', 'profile reads need the readKey option')
    const auth = this.#auth
    // The deadline is the SDK's own, not only the transport's: a transport given by the
    // application that ignores `timeoutMs` (or a body that never ends) must not hang a page.
    const abort = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<{ reason: string }>((resolve) => {
      timer = setTimeout(() => {
        abort.abort()
        resolve({ reason: `TimeoutError: no answer within ${timeoutMs} ms` })
      }, timeoutMs)
    })
    const read = async (): Promise<{ status: number; body: string } | { reason: string }> => {
      try {
        const res = await this.#transport.send({
          url: `${this.#base}${path}`,
          method: 'GET',
          headers: { authorization: auth, accept: 'application/json' },
          body: '',
          timeoutMs,
          signal: abort.signal,
        })
        const body = await readCapped(res)
        if (body === undefined) return { reason: `response body over ${MAX_RESPONSE_BYTES} bytes` }
        return { status: res.status, body }
      } catch (err) {
        return { reason: err instanceof Error ? `${err.name}: ${err.message}` : 'network error' }
      }
    }
    try {
      return await Promise.race([read(), deadline])
    } finally {
      clearTimeout(timer)
    }
  }
}
