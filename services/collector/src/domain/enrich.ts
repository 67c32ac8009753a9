import type { EnrichedEvent, EventContext, ParsedUserAgent, SillageEvent } from '@sillage/schemas'
import { parseIsoMs } from './iso-date.js'
import { truncateIp } from './ip.js'

const MAX_TIMESTAMP_MS = Date.UTC(2100, 0, 1)

/** What the collector knows about the request, computed once per request. */
export interface EnrichContext {
  receivedAt: number
  /** receivedAt as ISO-8601, computed once per request. */
  receivedAtIso?: string
  sourceId: string
  newMessageId: () => string
  /** The client address (behind a trusted proxy: X-Forwarded-For). */
  ip?: string | undefined
  /** The request's User-Agent header. */
  userAgent?: string | undefined
  /** Sec-GPC: 1 and DNT: 1 request headers. */
  gpc?: boolean
  dnt?: boolean
  keepFullIp?: boolean
  parseUserAgent?: (ua: string) => ParsedUserAgent
}

/**
 * Adds the server-side fields. `timestamp` is corrected for the client's clock skew as Segment
 * does: timestamp = receivedAt − (sentAt − originalTimestamp). The client's own value is kept as
 * `originalTimestamp`. `context.ip` (the one a server-side SDK forwards, else the request's) is
 * truncated unless the source keeps full IPs; GPC/DNT headers are recorded in `context.consent`.
 * Completes `event` in place and returns it.
 */
export function enrichEvent(event: SillageEvent, ctx: EnrichContext): EnrichedEvent {
  const original = event.originalTimestamp ?? event.timestamp
  const originalMs = original === undefined ? NaN : parseIsoMs(original)
  let timestamp: number
  if (original !== undefined && event.sentAt !== undefined) {
    timestamp = ctx.receivedAt - (parseIsoMs(event.sentAt) - originalMs)
    // A correction that leaves 1970..2100 (sentAt decades after the event: a broken clock, not a
    // skew) is not applied: the client's own time is kept rather than 1970-01-01.
    if (!(timestamp >= 0 && timestamp <= MAX_TIMESTAMP_MS)) timestamp = originalMs
  } else if (original !== undefined) {
    timestamp = originalMs
  } else {
    timestamp = ctx.receivedAt
  }
  // Whatever happened above, never outside what the warehouse can store.
  timestamp = Math.min(Math.max(timestamp, 0), MAX_TIMESTAMP_MS)

  // The validated event is a fresh object owned by this request: it is completed in place,
  // which keeps the hot path free of copies.
  const enriched = event as EnrichedEvent
  const context: EventContext = (event.context ??= {})
  const ip = context.ip ?? ctx.ip
  if (ip) context.ip = ctx.keepFullIp ? ip : truncateIp(ip)
  const userAgent = context.userAgent ?? ctx.userAgent
  if (userAgent) context.userAgent = userAgent
  if (ctx.gpc || ctx.dnt) {
    const consent = (context.consent ??= {})
    if (ctx.gpc) consent.gpc = true
    if (ctx.dnt) consent.dnt = true
  }
  enriched.messageId = event.messageId ?? ctx.newMessageId()
  enriched.originalTimestamp = original
  const receivedAtIso = ctx.receivedAtIso ?? new Date(ctx.receivedAt).toISOString()
  enriched.timestamp =
    timestamp === originalMs
      ? (original as string)
      : timestamp === ctx.receivedAt
        ? receivedAtIso
        : new Date(timestamp).toISOString()
  enriched.receivedAt = receivedAtIso
  enriched.sourceId = ctx.sourceId
  if (userAgent && ctx.parseUserAgent) enriched.ua = ctx.parseUserAgent(userAgent)
  return enriched
}

/** The partition key: one device (anonymousId) or, failing that, one user. */
export function partitionKey(event: SillageEvent): string | null {
  return event.anonymousId ?? event.userId ?? null
}
