import type { BusRecord, ProduceMessage } from '@sillage/bus'

/**
 * A dead letter of identity on events.invalid, in the collector's format (what `sillage dlq
 * inspect` and `dlq replay` read: reason, index, sourceId, receivedAt, payload), plus where the
 * record was on events.raw.
 */
export interface IdentityDeadLetter {
  reason: { code: string; message: string }
  index: number
  sourceId: string
  receivedAt: string
  /** The event as it was on events.raw: parsed JSON, or the raw text when it was not JSON. */
  payload: unknown
  origin: { topic: string; partition: number; offset: number }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** The dead letter of one events.raw record that identity cannot store. */
export function deadLetterOf(
  record: BusRecord,
  payload: unknown,
  reason: { code: string; message: string },
): ProduceMessage {
  const event = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {}
  const letter: IdentityDeadLetter = {
    reason,
    index: 0,
    sourceId: str(event['sourceId']) ?? '',
    receivedAt: str(event['receivedAt']) ?? new Date(record.timestamp).toISOString(),
    payload,
    origin: { topic: record.topic, partition: record.partition, offset: record.offset },
  }
  return { key: record.key, value: Buffer.from(JSON.stringify(letter)) }
}
