import { basePrefix, joinBase, parseBaseUrl } from './base-url.js'
import type { Clock } from './clock.js'
import { SillageError } from './errors.js'
import type { Transport } from './transport.js'

/** What happens to a new event when the queue holds `maxQueueEvents` undelivered events. */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest'

export interface SillageOptions {
  /** A server source's write key (secret: keep it out of browsers). */
  writeKey: string
  /**
   * The collector's base URL, for example `https://collect.shop.example`; a path prefix is kept
   * (`https://shop.example/sillage` sends to `/sillage/v1/batch`).
   */
  host: string
  /** The batch endpoint's path under `host` (and its prefix). Default `/v1/batch`. */
  path?: string
  /** Send a batch when it holds this many events. Default 100. */
  maxBatchEvents?: number
  /** …or this many bytes of JSON (before gzip). Default 500,000, under the collector's 500 KB. */
  maxBatchBytes?: number
  /** Larger events are refused at the call, as the collector would. Default 32,000. */
  maxEventBytes?: number
  /** …or when the oldest queued event has waited this long. Default 1,000 ms. */
  flushIntervalMs?: number
  /** Serverless: send at the end of every tick in which something was called; no batching wait. */
  serverless?: boolean
  /** Undelivered events held at most (queued and in flight). Default 20,000. */
  maxQueueEvents?: number
  /** Default `drop-newest`. Either way the dropped events are counted and reported. */
  overflow?: OverflowPolicy
  /** Concurrent requests. Default 1, which keeps each user's events in order. */
  maxInFlight?: number
  /** Gzip request bodies (`Content-Encoding: gzip`). Default true. */
  gzip?: boolean
  /** Per-request timeout. Default 10,000 ms. */
  requestTimeoutMs?: number
  /** Retries of one batch before its events fail. Default 10. */
  maxRetries?: number
  /** …or the time spent retrying one batch. Default 600,000 ms. */
  maxRetryDurationMs?: number
  /** First back-off delay; it doubles at each retry, with jitter. Default 500 ms. */
  retryBaseMs?: number
  /** Back-off ceiling. Default 30,000 ms. */
  retryMaxMs?: number
  /** A longer `Retry-After` is capped to this. Default 300,000 ms. */
  maxRetryAfterMs?: number
  /**
   * close() without `timeoutMs` abandons what is still undelivered after this long
   * (`SIL_SDK_CLOSE_TIMEOUT`). Default 20,000 ms, inside a container's 30 s stop grace period.
   */
  closeTimeoutMs?: number
  /**
   * Called once per batch of failed or dropped events (never per event), with `error.failed`.
   * Default: `process.emitWarning`. Events also fail the next `flush()`.
   */
  onError?: (error: SillageError) => void
  /**
   * A profile read key (docs/profiles.md), for `profile()` and `recommendations()`: secret, server
   * side only, never a write key.
   */
  readKey?: string
  /** Profile and recommendation reads give up after this long (the fallback applies). Default 300 ms. */
  profileTimeoutMs?: number
  /**
   * Where profile and recommendation reads go (a path prefix is kept). Default: `host`. With
   * `sillage start`, the profiles port its banner names (8090 by default: lookups answered by a
   * thread of their own).
   */
  profileHost?: string
  /** The HTTP client. Default: `fetch`. Tests inject a fake. */
  transport?: Transport
  /** Time and randomness. Tests inject a fake clock. */
  clock?: Clock
}

export interface ResolvedOptions {
  readonly writeKey: string
  /** Where batches are POSTed: `host`, its path prefix, then `path`. */
  readonly url: string
  /** Where profile reads go: `profileHost` (or `host`) with its path prefix, no trailing slash. */
  readonly profileBaseUrl: string
  readonly maxBatchEvents: number
  readonly maxBatchBytes: number
  readonly maxEventBytes: number
  readonly flushIntervalMs: number
  readonly serverless: boolean
  readonly maxQueueEvents: number
  readonly overflow: OverflowPolicy
  readonly maxInFlight: number
  readonly gzip: boolean
  readonly requestTimeoutMs: number
  readonly maxRetries: number
  readonly maxRetryDurationMs: number
  readonly retryBaseMs: number
  readonly retryMaxMs: number
  readonly maxRetryAfterMs: number
  readonly closeTimeoutMs: number
}

const DEFAULTS = {
  path: '/v1/batch',
  maxBatchEvents: 100,
  maxBatchBytes: 500_000,
  maxEventBytes: 32_000,
  flushIntervalMs: 1_000,
  maxQueueEvents: 20_000,
  maxInFlight: 1,
  requestTimeoutMs: 10_000,
  maxRetries: 10,
  maxRetryDurationMs: 600_000,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  maxRetryAfterMs: 300_000,
  closeTimeoutMs: 20_000,
} as const

type NumberOption = Exclude<keyof typeof DEFAULTS, 'path'>

/** The room a batch needs around its events: `{"batch":[…],"sentAt":"…"}`. */
export const BATCH_OVERHEAD_BYTES = 64

/** A bad value as the message shows it: `NaN`, `10n`, `Symbol(x)` too (JSON.stringify throws on a BigInt). */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value)
    } catch {
      return Object.prototype.toString.call(value)
    }
  }
  return String(value)
}

/** Validates once, reports every problem at once, and freezes the result. */
export function resolveOptions(o: SillageOptions): ResolvedOptions {
  const problems: string[] = []
  const input = (o ?? {}) as Partial<SillageOptions>
  if (typeof input.writeKey !== 'string' || input.writeKey.length === 0)
    problems.push('writeKey must be a non-empty string')
  const base = parseBaseUrl(input.host)
  if (typeof base === 'string') problems.push(`host ${base}, got ${show(input.host)}`)
  const path = input.path ?? DEFAULTS.path
  // A path, not a URL: an absolute one would send the write key to another host.
  const pathOk = typeof path === 'string' && path.startsWith('/') && !path.startsWith('//')
  if (!pathOk) problems.push(`path must start with a single "/", got ${show(path)}`)
  // Segment's analytics-node drops host's path, so its users behind a proxy put the prefix in
  // `path`; given in both, it would be doubled here (a 404 and lost events): refused instead.
  const prefix = typeof base === 'string' ? '' : basePrefix(base)
  if (pathOk && prefix && (path === prefix || path.startsWith(`${prefix}/`)))
    problems.push(`path ${show(path)} repeats host's prefix ${show(prefix)}: give the prefix once`)
  const url = typeof base !== 'string' && pathOk ? joinBase(base, path) : ''
  const profileBase = input.profileHost === undefined ? base : parseBaseUrl(input.profileHost)
  if (input.profileHost !== undefined && typeof profileBase === 'string')
    problems.push(`profileHost ${profileBase}, got ${show(input.profileHost)}`)
  const profileBaseUrl = typeof profileBase === 'string' ? '' : joinBase(profileBase, '').replace(/\/$/, '')
  const num = (key: NumberOption, min: number): number => {
    const v = input[key] ?? DEFAULTS[key]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      problems.push(`${key} must be an integer >= ${min}, got ${show(v)}`)
      return DEFAULTS[key]
    }
    return v
  }
  const maxBatchEvents = num('maxBatchEvents', 1)
  const maxBatchBytes = num('maxBatchBytes', 1024)
  const maxEventBytes = num('maxEventBytes', 64)
  if (maxEventBytes + BATCH_OVERHEAD_BYTES > maxBatchBytes)
    problems.push('maxEventBytes must leave room for one event in maxBatchBytes')
  const overflow = input.overflow ?? 'drop-newest'
  if (overflow !== 'drop-newest' && overflow !== 'drop-oldest')
    problems.push(`overflow must be "drop-newest" or "drop-oldest", got ${show(overflow)}`)
  for (const key of ['gzip', 'serverless'] as const) {
    if (input[key] !== undefined && typeof input[key] !== 'boolean') problems.push(`${key} must be a boolean`)
  }
  const resolved: ResolvedOptions = {
    writeKey: String(input.writeKey),
    url,
    profileBaseUrl,
    maxBatchEvents,
    maxBatchBytes,
    maxEventBytes,
    flushIntervalMs: num('flushIntervalMs', 0),
    serverless: input.serverless ?? false,
    maxQueueEvents: num('maxQueueEvents', 1),
    overflow,
    maxInFlight: num('maxInFlight', 1),
    gzip: input.gzip ?? true,
    requestTimeoutMs: num('requestTimeoutMs', 1),
    maxRetries: num('maxRetries', 0),
    maxRetryDurationMs: num('maxRetryDurationMs', 0),
    retryBaseMs: num('retryBaseMs', 1),
    retryMaxMs: num('retryMaxMs', 1),
    maxRetryAfterMs: num('maxRetryAfterMs', 0),
    closeTimeoutMs: num('closeTimeoutMs', 1),
  }
  if (problems.length > 0) throw new SillageError('SIL_SDK_INVALID_OPTIONS', problems.join('; '))
  return Object.freeze(resolved)
}
