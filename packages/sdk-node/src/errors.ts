import type { OutgoingEvent } from './types.js'

/**
 * Every error the SDK reports, with a stable code. docs/sdk-node.md lists them (a test checks
 * that each code is documented).
 */
export const SDK_ERRORS = {
  SIL_SDK_INVALID_OPTIONS: 'invalid options',
  SIL_SDK_INVALID_EVENT: 'invalid event',
  SIL_SDK_EVENT_TOO_LARGE: 'event over maxEventBytes',
  SIL_SDK_QUEUE_FULL: 'queue full: the overflow policy dropped events',
  SIL_SDK_CLOSED: 'called after close()',
  SIL_SDK_EVENT_REJECTED: 'the collector rejected the event',
  SIL_SDK_REQUEST_REFUSED: 'the request was refused',
  SIL_SDK_RETRIES_EXHAUSTED: 'the collector could not take the events within the retry budget',
  SIL_SDK_FLUSH_FAILED: 'events queued before flush() failed',
  SIL_SDK_FLUSH_TIMEOUT: 'flush() timed out; the events stay queued',
  SIL_SDK_CLOSE_TIMEOUT: 'close() timed out; the events were abandoned',
  SIL_SDK_UNDELIVERED_AT_EXIT: 'the process exited before these events were accepted',
  SIL_SDK_INTERNAL: 'a bug in the SDK; the events were not sent',
} as const

export type SdkErrorCode = keyof typeof SDK_ERRORS

/** An event the SDK could not deliver, and why. */
export interface FailedEvent {
  messageId: string
  code: SdkErrorCode
  /** Human-readable reason: the collector's message, the HTTP status, or the network error. */
  reason: string
  /** The HTTP status of the last response, when there was one. */
  status?: number
  /** The collector's own code (`SIL_EVENT_SCHEMA`, `SIL_AUTH_INVALID`, …), when it sent one. */
  collectorCode?: string
  /** The event as the SDK would have sent it, to log, store or re-send. */
  event: OutgoingEvent
}

export class SillageError extends Error {
  override readonly name = 'SillageError'
  readonly code: SdkErrorCode
  /** The events this error is about; empty for errors that concern no event (invalid options). */
  readonly failed: readonly FailedEvent[]
  /** flush({ timeoutMs }) only: events still queued or in flight when it gave up. */
  readonly pending: readonly OutgoingEvent[]

  constructor(
    code: SdkErrorCode,
    detail?: string,
    opts: { failed?: readonly FailedEvent[]; pending?: readonly OutgoingEvent[]; cause?: unknown } = {},
  ) {
    super(detail ? `${SDK_ERRORS[code]}: ${detail}` : SDK_ERRORS[code], { cause: opts.cause })
    this.code = code
    this.failed = opts.failed ?? []
    this.pending = opts.pending ?? []
  }
}

/** Groups failures by code, for one readable line per batch. */
export function summarise(failed: readonly FailedEvent[]): string {
  const byCode = new Map<string, { n: number; reason: string }>()
  for (const f of failed) {
    const key = f.collectorCode ? `${f.code}/${f.collectorCode}` : f.code
    const entry = byCode.get(key)
    if (entry) entry.n += 1
    else byCode.set(key, { n: 1, reason: f.reason })
  }
  return [...byCode].map(([code, { n, reason }]) => `${n} × ${code} (${reason})`).join('; ')
}
