import type { EnrichedEvent, EventType } from '@sillage/schemas'
import type { ProduceMessage } from '@sillage/bus'
import type { EventErrorCode } from '../errors.js'
import { enrichEvent, partitionKey, type EnrichContext } from './enrich.js'
import { validateEvent } from './validate.js'

export interface Rejection {
  index: number
  code: EventErrorCode
  message: string
}

export interface IngestResult {
  accepted: ProduceMessage[]
  rejected: Rejection[]
  deadLetters: ProduceMessage[]
}

export interface IngestOptions extends EnrichContext {
  type?: EventType
  batchContext?: Record<string, unknown> | undefined
  sentAt?: string | undefined
  maxEventBytes: number
}

/** The dead-letter record: the raw payload, why it was refused, and where it came from. */
export interface DeadLetter {
  reason: { code: EventErrorCode; message: string }
  index: number
  sourceId: string
  receivedAt: string
  payload: unknown
}

/**
 * Validates and enriches every item of a request; never throws on bad input. Accepted events are
 * serialised once, here, and travel as bytes from then on.
 */
export function ingestItems(items: readonly unknown[], opts: IngestOptions): IngestResult {
  const accepted: ProduceMessage[] = []
  const rejected: Rejection[] = []
  const deadLetters: ProduceMessage[] = []
  const receivedAt = new Date(opts.receivedAt).toISOString()
  const refuse = (
    index: number,
    code: EventErrorCode,
    message: string,
    payload: unknown,
    key: string | null,
  ) => {
    rejected.push({ index, code, message })
    const letter: DeadLetter = {
      reason: { code, message },
      index,
      sourceId: opts.sourceId,
      receivedAt,
      payload,
    }
    deadLetters.push({ key, value: Buffer.from(JSON.stringify(letter)) })
  }
  for (const [index, item] of items.entries()) {
    const v = validateEvent(item, opts)
    if (!v.ok) {
      refuse(index, v.code, v.message, item, null)
      continue
    }
    const event: EnrichedEvent = enrichEvent(v.event, opts)
    const value = Buffer.from(JSON.stringify(event))
    const key = partitionKey(event)
    if (value.length > opts.maxEventBytes) {
      refuse(
        index,
        'SIL_EVENT_TOO_LARGE',
        `event is ${value.length} bytes, limit ${opts.maxEventBytes}`,
        item,
        key,
      )
      continue
    }
    accepted.push({ key, value })
  }
  return { accepted, rejected, deadLetters }
}
