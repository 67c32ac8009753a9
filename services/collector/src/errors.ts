/**
 * The collector's error catalogue. Codes are stable: clients, docs (docs/errors.md) and tests
 * rely on them. Request-level errors carry an HTTP status; event-level codes appear in the
 * `rejected` list of a 200/400 response and on the events.invalid topic.
 */
export const REQUEST_ERRORS = {
  SIL_AUTH_MISSING: {
    status: 401,
    message: 'missing write key: use Basic auth (writeKey:) or writeKey in the body',
  },
  SIL_AUTH_INVALID: { status: 401, message: 'unknown write key' },
  SIL_ORIGIN_NOT_ALLOWED: { status: 403, message: 'origin not allowed for this write key' },
  SIL_BODY_INVALID_JSON: { status: 400, message: 'body is not valid JSON' },
  SIL_BODY_INVALID: {
    status: 400,
    message: 'body does not match the endpoint: expected an object (or {"batch": [...]})',
  },
  SIL_BODY_TOO_DEEP: {
    status: 400,
    message: 'the body nests objects or arrays deeper than the parser allows',
  },
  SIL_BODY_FORBIDDEN_KEY: {
    status: 400,
    message:
      'a request-level object (batch context or integrations) has a __proto__, constructor or prototype key',
  },
  SIL_BODY_NUMBER_OUT_OF_RANGE: {
    status: 400,
    message:
      'a request-level object (batch context or integrations) has a number beyond ±1.8e308, NaN or Infinity',
  },
  SIL_BAD_REQUEST: { status: 400, message: 'malformed HTTP request' },
  SIL_BAD_CONTENT_LENGTH: {
    status: 400,
    message: 'the body length does not match the Content-Length header',
  },
  SIL_REQUEST_TIMEOUT: { status: 408, message: 'the request was not received in time' },
  SIL_HEADERS_TOO_LARGE: { status: 431, message: 'request headers too large' },
  SIL_URI_TOO_LONG: { status: 414, message: 'a path segment is longer than 1024 characters' },
  SIL_BATCH_ALL_REJECTED: { status: 400, message: 'every event in the request was rejected' },
  SIL_PAYLOAD_TOO_LARGE: { status: 413, message: 'request body too large' },
  SIL_BATCH_TOO_MANY_EVENTS: {
    status: 413,
    message: 'a batch may hold at most 20,000 items: send fewer per request',
  },
  SIL_BATCH_CONTEXT_TOO_LARGE: {
    status: 413,
    message:
      'the batch context, copied into each event of the batch, would exceed 8 MiB: send a smaller context or fewer events per request',
  },
  SIL_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'unsupported content type' },
  SIL_UNSUPPORTED_ENCODING: {
    status: 415,
    message: 'unsupported content encoding: send gzip, deflate or none',
  },
  SIL_BODY_INVALID_GZIP: { status: 400, message: 'the gzip or deflate body could not be decompressed' },
  SIL_RATE_LIMITED: {
    status: 429,
    message: 'too many events from this client for this write key; retry later',
  },
  SIL_BUS_UNAVAILABLE: { status: 503, message: 'events could not be stored durably; retry later' },
  SIL_OVERLOADED: {
    status: 503,
    message: 'too many events are waiting for the bus to acknowledge them; nothing was stored, retry later',
  },
  SIL_ADMIN_UNAUTHORIZED: { status: 401, message: 'admin token missing or invalid' },
  SIL_NOT_FOUND: { status: 404, message: 'no such endpoint' },
  SIL_METHOD_NOT_ALLOWED: { status: 405, message: 'this endpoint does not answer that HTTP method' },
  SIL_INTERNAL: { status: 500, message: 'internal error' },
} as const

export type RequestErrorCode = keyof typeof REQUEST_ERRORS

export const EVENT_ERRORS = {
  SIL_EVENT_SCHEMA: 'the event does not match the Segment spec',
  SIL_EVENT_NO_IDENTITY: 'the event has neither anonymousId nor userId',
  SIL_EVENT_TOO_LARGE: 'the event is larger than the per-event limit',
  SIL_EVENT_NOT_OBJECT: 'the event is not a JSON object',
  SIL_EVENT_TOO_DEEP: 'the event nests objects or arrays deeper than the limit',
  SIL_EVENT_FORBIDDEN_KEY: 'the event has a __proto__, constructor or prototype key',
  SIL_EVENT_NUMBER_OUT_OF_RANGE:
    'the event has a number JSON cannot keep: beyond ±1.8e308 (such as 1e400), NaN or Infinity',
  SIL_EVENT_NO_CONSENT: "the event's context.consent does not grant the category the source requires",
  SIL_EVENT_SUPPRESSED: 'the event carries an identifier of an erased person',
  SIL_TRACKING_PLAN_VIOLATION:
    "the track event breaks its source's tracking plan, whose mode is block (the broken rules are in the reason)",
} as const

export type EventErrorCode = keyof typeof EVENT_ERRORS

/** Codes of a source's configuration refused when the collector compiles it (at start). */
export const PLAN_ERRORS = {
  SIL_TRACKING_PLAN_INVALID:
    "a source's tracking plan does not compile, or asks for a check that could stall the collector (the message names the event and why)",
} as const

export class CollectorError extends Error {
  readonly status: number
  /** Sent as Retry-After (429 and 503). */
  readonly retryAfterSeconds: number | undefined
  constructor(
    readonly code: RequestErrorCode,
    options?: { cause?: unknown; message?: string; retryAfterSeconds?: number },
  ) {
    super(options?.message ?? REQUEST_ERRORS[code].message, options)
    this.name = 'CollectorError'
    this.status = REQUEST_ERRORS[code].status
    this.retryAfterSeconds = options?.retryAfterSeconds
  }
}
