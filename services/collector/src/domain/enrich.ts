import type { EnrichedEvent, SillageEvent } from '@sillage/schemas'

const MAX_TIMESTAMP_MS = Date.UTC(2100, 0, 1)

export interface EnrichContext {
  receivedAt: number
  sourceId: string
  newMessageId: () => string
}

/**
 * Adds the server-side fields. `timestamp` is corrected for the client's clock skew as Segment
 * does: timestamp = receivedAt − (sentAt − originalTimestamp). The client's own value is kept as
 * `originalTimestamp`.
 */
export function enrichEvent(event: SillageEvent, ctx: EnrichContext): EnrichedEvent {
  const original = event.originalTimestamp ?? event.timestamp
  let timestamp: number
  if (original !== undefined && event.sentAt !== undefined) {
    timestamp = ctx.receivedAt - (Date.parse(event.sentAt) - Date.parse(original))
  } else if (original !== undefined) {
    timestamp = Date.parse(original)
  } else {
    timestamp = ctx.receivedAt
  }
  // A skewed client clock must not push the event outside what the warehouse can store.
  timestamp = Math.min(Math.max(timestamp, 0), MAX_TIMESTAMP_MS)
  return {
    ...event,
    messageId: event.messageId ?? ctx.newMessageId(),
    originalTimestamp: original,
    timestamp: new Date(timestamp).toISOString(),
    receivedAt: new Date(ctx.receivedAt).toISOString(),
    sourceId: ctx.sourceId,
  }
}

/** The partition key: one device (anonymousId) or, failing that, one user. */
export function partitionKey(event: SillageEvent): string | null {
  return event.anonymousId ?? event.userId ?? null
}
