import { SillageError } from './errors.js'
import type {
  ProfileIdentifierType,
  ProfileResult,
  Recommendation,
  RecommendationsResult,
} from './profile-types.js'
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

/** Profile and recommendation reads with a read key, a short timeout and a fallback. */
export class ProfilesReader {
  readonly #base: string
  readonly #auth: string | undefined
  readonly #timeoutMs: number
  readonly #transport: Transport

  constructor(opts: { host: string; readKey: string | undefined; timeoutMs: number; transport: Transport }) {
    this.#base = new URL('/', opts.host).toString()
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
    // A value `.` or `..` (even as `%2E`) would be resolved away by the URL parser: it goes in the query.
    const query = new URLSearchParams(isDotSegment(value) ? { value } : {})
    if (opts.phoneCountryCode !== undefined) query.set('phoneCountryCode', opts.phoneCountryCode)
    const search = query.size > 0 ? `?${query.toString()}` : ''
    const path = isDotSegment(value)
      ? `v1/profiles/${encodeURIComponent(type)}${search}`
      : `v1/profiles/${encodeURIComponent(type)}/${encodeURIComponent(value)}${search}`
    const res = await this.#get(path, opts.timeoutMs)
    if ('reason' in res) return { status: 'unavailable', reason: res.reason }
    if (res.status === 200) {
      const profile = parseObject(res.body)
      if (profile) return { status: 'found', profile: profile as never }
      return { status: 'unavailable', reason: 'HTTP 200 without a JSON profile', httpStatus: 200 }
    }
    if (res.status === 404) return { status: 'not_found' }
    if (res.status === 401 || res.status === 403 || res.status === 400)
      throw new SillageError(
        'SIL_SDK_REQUEST_REFUSED',
        `profile read answered ${res.status}: ${res.body.slice(0, 200)}`,
      )
    return { status: 'unavailable', reason: `HTTP ${res.status}`, httpStatus: res.status }
  }

  async recommendations(productId: string, opts: RecommendationOptions = {}): Promise<RecommendationsResult> {
    const q = new URLSearchParams({ product_id: productId })
    if (opts.limit !== undefined) q.set('limit', String(opts.limit))
    const res = await this.#get(`v1/recommendations?${q.toString()}`, opts.timeoutMs)
    const items = !('reason' in res) && res.status === 200 ? parseObject(res.body)?.['items'] : undefined
    if (Array.isArray(items)) return { items: items as Recommendation[], fallback: false }
    if (!('reason' in res) && (res.status === 401 || res.status === 403 || res.status === 400))
      throw new SillageError('SIL_SDK_REQUEST_REFUSED', `recommendations answered ${res.status}`)
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
    try {
      const res = await this.#transport.send({
        url: new URL(path, this.#base).toString(),
        method: 'GET',
        headers: { authorization: this.#auth, accept: 'application/json' },
        body: '',
        timeoutMs,
      })
      return { status: res.status, body: await res.text() }
    } catch (err) {
      return { reason: err instanceof Error ? `${err.name}: ${err.message}` : 'network error' }
    }
  }
}
