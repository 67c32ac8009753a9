import { eventSchema, type EventType, type SillageEvent } from '@sillage/schemas'
import { EVENT_ERRORS, type EventErrorCode } from '../errors.js'
import { shapeProblem } from './depth.js'
import { fastParse } from './fast-parse.js'

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

/**
 * Validates one event of a request. `type` is forced by single-event endpoints (/v1/track…);
 * batch-level `context` is merged under the event's own.
 */
export function validateEvent(
  raw: unknown,
  opts: { type?: EventType; batchContext?: Record<string, unknown> | undefined; sentAt?: string | undefined },
): Validation {
  if (!isPlainObject(raw)) return reject('SIL_EVENT_NOT_OBJECT')
  const shape = shapeProblem(raw, MAX_DEPTH)
  if (shape === 'too_deep') return reject('SIL_EVENT_TOO_DEEP', `limit ${MAX_DEPTH}`)
  if (shape === 'forbidden_key') return reject('SIL_EVENT_FORBIDDEN_KEY')
  let input: Record<string, unknown> = raw
  if (opts.type || opts.batchContext || (opts.sentAt && raw['sentAt'] === undefined)) {
    input = { ...raw }
    if (opts.type) input['type'] = opts.type
    if (opts.batchContext) {
      const own = isPlainObject(raw['context']) ? raw['context'] : {}
      input['context'] = { ...opts.batchContext, ...own }
    }
    if (opts.sentAt && raw['sentAt'] === undefined) input['sentAt'] = opts.sentAt
  }
  const fast = fastParse(input)
  if (fast)
    return fast.anonymousId || fast.userId ? { ok: true, event: fast } : reject('SIL_EVENT_NO_IDENTITY')
  const parsed = eventSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? issue.path.join('.') : 'event'
    return reject('SIL_EVENT_SCHEMA', `${where}: ${issue?.message ?? 'invalid'}`)
  }
  const event = parsed.data
  if (!event.anonymousId && !event.userId) return reject('SIL_EVENT_NO_IDENTITY')
  return { ok: true, event }
}
