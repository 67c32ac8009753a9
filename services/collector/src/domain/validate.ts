import { eventSchema, type EventType, type SillageEvent } from '@sillage/schemas'
import { EVENT_ERRORS, type EventErrorCode } from '../errors.js'
import { shapeProblem } from './depth.js'
import { fastParse } from './fast-parse.js'
import { stripControls } from './normalize.js'

/** Deeper than any real event; bounds the work of serialising one. */
export const MAX_DEPTH = 32

export type Validation =
  { ok: true; event: SillageEvent } | { ok: false; code: EventErrorCode; message: string }

const reject = (code: EventErrorCode, detail?: string): Validation => ({
  ok: false,
  code,
  message: detail ? `${EVENT_ERRORS[code]}: ${detail}` : EVENT_ERRORS[code],
})

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

type RequestFields = {
  type?: EventType
  batchContext?: Record<string, unknown> | undefined
  sentAt?: string | undefined
}

/** The event with what its request adds: the endpoint's type, the batch's context and sentAt. */
function withRequestFields(raw: Record<string, unknown>, opts: RequestFields): Record<string, unknown> {
  if (!opts.type && !opts.batchContext && !(opts.sentAt && raw['sentAt'] === undefined)) return raw
  const input = { ...raw }
  if (opts.type) input['type'] = opts.type
  if (opts.batchContext) {
    const own = isPlainObject(raw['context']) ? raw['context'] : {}
    input['context'] = { ...opts.batchContext, ...own }
  }
  if (opts.sentAt && raw['sentAt'] === undefined) input['sentAt'] = opts.sentAt
  return input
}

/**
 * Validates one event of a request. `type` is forced by single-event endpoints (/v1/track…);
 * batch-level `context` is merged under the event's own.
 */
export function validateEvent(raw: unknown, opts: RequestFields): Validation {
  if (!isPlainObject(raw)) return reject('SIL_EVENT_NOT_OBJECT')
  const shape = shapeProblem(raw, MAX_DEPTH)
  if (shape === 'too_deep') return reject('SIL_EVENT_TOO_DEEP', `limit ${MAX_DEPTH}`)
  if (shape === 'forbidden_key') return reject('SIL_EVENT_FORBIDDEN_KEY')
  if (shape === 'non_finite') return reject('SIL_EVENT_NUMBER_OUT_OF_RANGE')
  // The common case, a batch's event, is checked as it is (the batch's sentAt read alongside);
  // a forced type or a batch context needs a merged copy first.
  const merged = opts.type || opts.batchContext ? withRequestFields(raw, opts) : undefined
  const fast = merged ? fastParse(merged) : fastParse(raw, opts.sentAt)
  if (fast) return identified(fast)
  const input = merged ?? withRequestFields(raw, opts)
  let parsed = eventSchema.safeParse(input)
  // sentAt only corrects clock skew: one that is not a date in range is ignored (the event is kept,
  // uncorrected), as RudderStack does, rather than costing the event (docs/events.md).
  if (!parsed.success && input['sentAt'] !== undefined && parsed.error.issues.some(isSentAtIssue)) {
    const { sentAt: _ignored, ...rest } = input
    parsed = eventSchema.safeParse(rest)
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? issue.path.join('.') : 'event'
    return reject('SIL_EVENT_SCHEMA', `${where}: ${issue?.message ?? 'invalid'}`)
  }
  return identified(parsed.data)
}

const isSentAtIssue = (issue: { path: PropertyKey[] }): boolean => issue.path[0] === 'sentAt'

/** Names and ids lose their control characters (normalize.ts), then the event needs an identity. */
function identified(event: SillageEvent): Validation {
  const emptied = stripControls(event)
  if (emptied) return reject('SIL_EVENT_SCHEMA', `${emptied}: empty once control characters are removed`)
  return event.anonymousId || event.userId ? { ok: true, event } : reject('SIL_EVENT_NO_IDENTITY')
}
