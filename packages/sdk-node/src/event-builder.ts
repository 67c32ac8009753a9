import type { EventType } from '@sillage/schemas'
import { SillageError } from './errors.js'
import type { AnyParams, OutgoingEvent } from './types.js'
import { SDK_NAME, SDK_VERSION } from './version.js'
import type { Visitor } from './visitor.js'

const LIBRARY = Object.freeze({ name: SDK_NAME, version: SDK_VERSION })

function present(v: unknown): boolean {
  return (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v))
}

function isoTimestamp(v: unknown, now: number): string {
  if (v === undefined || v === null) return new Date(now).toISOString()
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(String(v))
  if (!Number.isFinite(ms))
    throw new SillageError('SIL_SDK_INVALID_EVENT', `timestamp ${String(v)} is not a date`)
  return new Date(ms).toISOString()
}

/** The visitor's part of `context`; the call's own context fields win. */
function visitorContext(v: Visitor): Record<string, unknown> {
  const ctx: Record<string, unknown> = {}
  if (v.sessionId !== undefined) ctx['sessionId'] = v.sessionId
  if (v.consent !== undefined) ctx['consent'] = v.consent
  if (v.ip !== undefined) ctx['ip'] = v.ip
  if (v.userAgent !== undefined) ctx['userAgent'] = v.userAgent
  return ctx
}

/**
 * A call's parameters → the Segment envelope the SDK queues. Programming errors (no event name,
 * no id) throw at the call, where the stack trace points at the caller.
 */
export function buildEvent(
  type: EventType,
  params: AnyParams,
  now: number,
  newId: () => string,
  visitor?: Visitor,
): OutgoingEvent {
  if (typeof params !== 'object' || params === null)
    throw new SillageError('SIL_SDK_INVALID_EVENT', `${type}() takes an object`)
  const { timestamp, context, messageId, ...rest } = params as Record<string, unknown> & {
    timestamp?: unknown
    context?: Record<string, unknown>
    messageId?: unknown
  }
  const event: OutgoingEvent = {
    ...rest,
    type,
    messageId: typeof messageId === 'string' && messageId !== '' ? messageId : newId(),
    timestamp: isoTimestamp(timestamp, now),
  }
  if (visitor?.anonymousId !== undefined && !present(event['anonymousId']))
    event['anonymousId'] = visitor.anonymousId
  for (const key of Object.keys(event)) if (event[key] === undefined) delete event[key]
  event['context'] = { ...(visitor ? visitorContext(visitor) : {}), ...context, library: LIBRARY }

  const problem = check(event)
  if (problem) throw new SillageError('SIL_SDK_INVALID_EVENT', problem)
  return event
}

function check(e: OutgoingEvent): string | undefined {
  switch (e.type) {
    case 'track':
      if (typeof e['event'] !== 'string' || e['event'] === '') return 'track() needs an event name'
      break
    case 'group':
      if (!present(e['groupId'])) return 'group() needs a groupId'
      break
    case 'alias':
      if (!present(e['previousId']) || !present(e['userId'])) return 'alias() needs previousId and userId'
      return undefined
  }
  if (!present(e['userId']) && !present(e['anonymousId']))
    return `${e.type}() needs a userId or an anonymousId (none in the call, nor a visitor cookie)`
  return undefined
}
