/**
 * What the live debugger shows of one event or refused request (no I/O), and how it is decoded
 * from the bytes the collector produced: an enriched event (events.raw) or a dead letter
 * (events.invalid, with its reason).
 */

import type { Violation } from './tracking-plan.js'

export type DebugStatus = 'accepted' | 'rejected'

/** A request refused whole (nothing of it stored), as the debugger shows it. */
export interface RefusedRequest {
  /** Known once the write key matched a source. */
  sourceId?: string | undefined
  receivedAt: string
  reason: { code: string; message: string }
  /** What the request looked like; never its credentials or its body. */
  request: {
    method: string
    url: string
    contentType?: string | undefined
    contentEncoding?: string | undefined
    contentLength?: string | undefined
    userAgent?: string | undefined
  }
}

export interface DebugEntry {
  /** Increasing per process: SSE event ids, so a reconnecting page resumes after the last one. */
  seq: number
  /** 'refused': a whole request refused before any event of it was read. */
  status: DebugStatus | 'refused'
  sourceId: string
  receivedAt: string
  messageId?: string | undefined
  type?: string | undefined
  /** `event` of a track, `name` of a page or screen. */
  event?: string | undefined
  anonymousId?: string | undefined
  userId?: string | undefined
  /** Rejected events and refused requests: why. */
  reason?: { code: string; message: string } | undefined
  /** The source's tracking plan broken by it (any mode: allowed, flagged or blocked). */
  violations?: Violation[] | undefined
  /** The person identity stamped on it, once it is stored (embedded mode). */
  personId?: string | undefined
  /** The enriched event, or for a rejected one the payload as it was received. */
  payload: unknown
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** What the collector wrote: context.trackingPlan.violations (flag) or reason.violations (block). */
function violationsIn(holder: unknown): Violation[] | undefined {
  const list = isObject(holder) ? holder['violations'] : undefined
  return Array.isArray(list) ? (list.filter(isObject) as unknown as Violation[]) : undefined
}

/** Decodes what the collector produced; null for bytes that are not one of its records. */
export function decodeEntry(seq: number, status: DebugStatus, value: Buffer): DebugEntry | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(value.toString('utf8'))
  } catch {
    return null
  }
  if (!isObject(parsed)) return null
  if (status === 'accepted') {
    const context = parsed['context']
    const violations = violationsIn(isObject(context) ? context['trackingPlan'] : undefined)
    return {
      seq,
      status,
      sourceId: str(parsed['sourceId']) ?? '',
      receivedAt: str(parsed['receivedAt']) ?? '',
      ...eventFields(parsed),
      ...(violations ? { violations } : {}),
      payload: parsed,
    }
  }
  // A dead letter (services/collector/src/domain/ingest.ts): reason, sourceId, receivedAt, payload.
  const reason = isObject(parsed['reason']) ? parsed['reason'] : {}
  const payload = parsed['payload']
  return {
    seq,
    status,
    sourceId: str(parsed['sourceId']) ?? '',
    receivedAt: str(parsed['receivedAt']) ?? '',
    ...(isObject(payload) ? eventFields(payload) : {}),
    reason: { code: str(reason['code']) ?? '', message: str(reason['message']) ?? '' },
    ...(violationsIn(reason) ? { violations: violationsIn(reason) } : {}),
    payload,
  }
}

function eventFields(e: Record<string, unknown>): Partial<DebugEntry> {
  const type = str(e['type'])
  return {
    messageId: str(e['messageId']),
    type,
    event: str(e['event']) ?? str(e['name']),
    anonymousId: str(e['anonymousId']),
    userId: str(e['userId']),
  }
}
