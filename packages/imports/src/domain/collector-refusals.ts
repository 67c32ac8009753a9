import type { Row } from './values.js'

/**
 * Refusals for privacy (an erased person, a missing consent): their rows' values are not kept in
 * the rejected file, as the collector's dead letters keep no content of such events.
 */
const PRIVACY_REFUSALS: ReadonlySet<string> = new Set(['SIL_EVENT_SUPPRESSED', 'SIL_EVENT_NO_CONSENT'])

/** An event of a row that the collector refused: its type or track name, code and reason. */
export interface RefusedEvent {
  event: string
  code: string
  reason: string
}

/** One refused row, as `<input>.rejected.ndjson` holds it. */
export interface RejectedLine {
  row: number
  /** reading: the row itself is malformed; mapping: a value; collector: the event. */
  stage: 'reading' | 'mapping' | 'collector'
  /** The first refused event's code and reason (of a row of one event: its only one). */
  code: string
  reason: string
  values: Row
  /** Some of the row's events were stored: the row counts as imported, not refused. */
  partial?: true
  /** Of a row of several events, each one the collector refused. */
  events?: RefusedEvent[]
}

/** A batch as sent: its events (serialised), the 0-based row of each, and the rows' values. */
export interface SentBatch {
  events: readonly string[]
  eventRows: readonly number[]
  rowValues: ReadonlyMap<number, Row>
}

/** The event's name in a refusal: a track's event, else its type. */
function eventName(serialised: string | undefined): string {
  const e = JSON.parse(serialised ?? '{}') as { type?: string; event?: string }
  return e.type === 'track' && e.event ? e.event : (e.type ?? 'event')
}

/**
 * The collector's refusals of a batch, one line per row: a row none of whose events was stored
 * is refused; a row of several events some of which were stored (a contact's identify stored,
 * its Consent Updated refused) is imported, its line marked `partial`, so that the summary counts
 * what was stored. Every refused event of a row is listed, whatever its reason.
 */
export function collectorRefusals(
  rejected: ReadonlyArray<{ index: number; code: string; message: string }>,
  batch: SentBatch,
): { lines: RejectedLine[]; fullyRefused: number } {
  const byRow = new Map<number, RefusedEvent[]>()
  for (const r of rejected) {
    const row = batch.eventRows[r.index]
    if (row === undefined) continue
    const list = byRow.get(row) ?? []
    if (list.length === 0) byRow.set(row, list)
    list.push({ event: eventName(batch.events[r.index]), code: r.code, reason: r.message })
  }
  const eventsOf = new Map<number, number>()
  if (byRow.size > 0) for (const row of batch.eventRows) eventsOf.set(row, (eventsOf.get(row) ?? 0) + 1)
  let fullyRefused = 0
  const lines = [...byRow].map(([row, list]): RejectedLine => {
    const total = eventsOf.get(row) ?? list.length
    const partial = list.length < total
    if (!partial) fullyRefused++
    const first = list[0] as RefusedEvent
    return {
      row: row + 1,
      stage: 'collector',
      code: first.code,
      reason: list.length === 1 ? first.reason : list.map((e) => `${e.event}: ${e.reason}`).join('; '),
      values: list.some((e) => PRIVACY_REFUSALS.has(e.code)) ? {} : (batch.rowValues.get(row) ?? {}),
      ...(partial && { partial: true as const }),
      ...(total > 1 && { events: list }),
    }
  })
  return { lines, fullyRefused }
}
