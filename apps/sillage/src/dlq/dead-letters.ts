import type { BusRecord } from '@sillage/bus'
import type { DeadLetter } from '@sillage/collector'

/** A dead letter as read from events.invalid, with where it is in the log. */
export interface DeadLetterRecord extends DeadLetter {
  partition: number
  offset: number
  /** When it was appended to events.invalid (ISO). */
  appendedAt: string
}

export interface DeadLetterFilter {
  sourceId?: string | undefined
  /** An event error code, e.g. SIL_EVENT_SCHEMA. */
  code?: string | undefined
  /** Only letters received at or after / before these instants (epoch ms). */
  since?: number | undefined
  until?: number | undefined
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Decodes one events.invalid record; undefined for a record that is not a dead letter. */
export function decodeDeadLetter(record: BusRecord): DeadLetterRecord | undefined {
  let v: unknown
  try {
    v = JSON.parse(record.value.toString('utf8'))
  } catch {
    return undefined
  }
  if (!isObject(v) || !isObject(v['reason']) || typeof v['sourceId'] !== 'string') return undefined
  const reason = v['reason']
  return {
    reason: {
      code: String(reason['code']) as DeadLetter['reason']['code'],
      message: String(reason['message'] ?? ''),
      // A blocked event's broken rules (docs/tracking-plans.md), kept for `dlq inspect --json`.
      ...(Array.isArray(reason['violations'])
        ? { violations: reason['violations'] as NonNullable<DeadLetter['reason']['violations']> }
        : {}),
    },
    index: typeof v['index'] === 'number' ? v['index'] : 0,
    sourceId: v['sourceId'],
    receivedAt:
      typeof v['receivedAt'] === 'string' ? v['receivedAt'] : new Date(record.timestamp).toISOString(),
    payload: v['payload'],
    ...(isObject(v['request']) ? { request: v['request'] as DeadLetter['request'] } : {}),
    partition: record.partition,
    offset: record.offset,
    appendedAt: new Date(record.timestamp).toISOString(),
  }
}

export function matchesFilter(letter: DeadLetterRecord, filter: DeadLetterFilter): boolean {
  if (filter.sourceId !== undefined && letter.sourceId !== filter.sourceId) return false
  if (filter.code !== undefined && letter.reason.code !== filter.code) return false
  const at = Date.parse(letter.receivedAt)
  if (filter.since !== undefined && !(at >= filter.since)) return false
  if (filter.until !== undefined && !(at < filter.until)) return false
  return true
}

/** The event's name and ids, for one-line listings. */
export function describePayload(payload: unknown): string {
  if (!isObject(payload)) return JSON.stringify(payload)?.slice(0, 60) ?? String(payload)
  const parts = [payload['type'], payload['event'] ?? payload['name'], payload['messageId']]
  return parts.filter((p) => typeof p === 'string' && p !== '').join(' ')
}
