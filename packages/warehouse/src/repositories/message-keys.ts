import { TupleParam } from '@clickhouse/client'
import type { Warehouse } from '../warehouse.js'

/**
 * What the dedup index (message_ids, migration 0093) is keyed by: an event's message id and its
 * client's own timestamp, as the event carries it (`originalTimestamp`; null: none).
 */
export interface MessageKey {
  readonly messageId: string
  readonly originalTimestamp: string | null
}

const DAY_MS = 86_400_000
/** The collector's normalised form (schemas/src/event.ts), within its 1970..2100 range. */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const MAX_MS = Date.UTC(2100, 0, 1)

/**
 * The day of a client timestamp as message_ids stores it: ClickHouse parses the text (best effort,
 * UTC) into DateTime64(3), and the view takes intDiv(milliseconds, 86,400,000); no timestamp is
 * day 0. The same in SQL, for a text JavaScript cannot read the same way for certain.
 */
const DAY_OF_TEXT = `intDiv(toUnixTimestamp64Milli(ifNull(parseDateTime64BestEffortOrNull(t, 3, 'UTC'), toDateTime64(0, 3, 'UTC'))), 86400000)`

/**
 * The day of a timestamp computed here, where the text is the collector's normalised UTC form
 * (Date.parse and ClickHouse read it alike; trunc as intDiv does); undefined: ask ClickHouse.
 */
export function dayHere(text: string | null): number | undefined {
  if (text === null) return 0
  if (!CANONICAL.test(text)) return undefined
  const ms = Date.parse(text)
  return ms >= 0 && ms <= MAX_MS ? Math.trunc(ms / DAY_MS) : undefined
}

/** The day of every key, in order: computed here, or by one query for the texts it cannot read. */
export async function daysOf(warehouse: Warehouse, keys: readonly MessageKey[]): Promise<number[]> {
  const days = keys.map((k) => dayHere(k.originalTimestamp))
  const asked = [
    ...new Set(keys.filter((_, i) => days[i] === undefined).map((k) => k.originalTimestamp ?? '')),
  ]
  if (asked.length === 0) return days as number[]
  const rs = await warehouse.client.query({
    query: `SELECT t, ${DAY_OF_TEXT} AS day FROM (SELECT arrayJoin({ts:Array(String)}) AS t)`,
    query_params: { ts: asked },
    format: 'JSONCompactEachRow',
  })
  const byText = new Map((await rs.json<[string, string | number]>()).map(([t, day]) => [t, Number(day)]))
  return keys.map((k, i) => days[i] ?? byText.get(k.originalTimestamp ?? '') ?? 0)
}

/** Up to this many days, one `(day = … AND message_id IN …)` clause per day; beyond, tuples. */
const MAX_CLAUSES = 4

/**
 * The condition on message_ids for these keys, and its parameters. A batch of one to four days
 * (a live one has one or two) gets a clause per day, so that the primary key narrows each id to
 * its day: the cheapest to parse and set up, ~10 ms per 2,000 ids, against ~25–30 ms for a set
 * of tuples. A batch of more days (a replayed history) gets the tuples, `(day, message_id) IN
 * …`: OR-ed clauses by the dozen cost several times more to read (`node bench/dedup-read.mjs`).
 */
export function dayCondition(
  keys: readonly MessageKey[],
  days: readonly number[],
): { where: string; params: Record<string, unknown> } {
  const byDay = new Map<number, string[]>()
  keys.forEach((k, i) => {
    const day = days[i] ?? 0
    let ids = byDay.get(day)
    if (!ids) byDay.set(day, (ids = []))
    ids.push(k.messageId)
  })
  if (byDay.size > MAX_CLAUSES) {
    return {
      where: '(day, message_id) IN {keys:Array(Tuple(Int64, String))}',
      params: { keys: keys.map((k, i) => new TupleParam([days[i] ?? 0, k.messageId])) },
    }
  }
  const clauses: string[] = []
  const params: Record<string, unknown> = {}
  for (const [day, ids] of byDay) {
    const n = clauses.length
    clauses.push(`(day = {d${n}:Int64} AND message_id IN {i${n}:Array(String)})`)
    params[`d${n}`] = day
    params[`i${n}`] = ids
  }
  return { where: clauses.join(' OR '), params }
}
