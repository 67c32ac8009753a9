/**
 * Instants an import accepts: 1971-01-01T00:00:00Z (inclusive) to 2100-01-01T00:00:00Z
 * (exclusive). Inside the collector's own range (1970-01-01..2100-01-01, schemas' isoDate), so an
 * accepted row is never refused there; 1970 is left out because 0 is how exports write "no date".
 */
const MIN_INSTANT_MS = Date.UTC(1971, 0, 1)
const MAX_INSTANT_MS = Date.UTC(2100, 0, 1)

/** Epoch numbers below this are seconds, above it milliseconds (1e11 s is the year 5138). */
const SECONDS_BELOW = 1e11

/**
 * ISO-8601 as exports write it: a date, optionally a time (`T` or a space; seconds and a fraction
 * optional), optionally a zone (`Z`, `±HH`, `±HHMM`, `±HH:MM`). Nothing else: `03/04/2025` is
 * March or April depending on who reads it, and Date.parse would read it in the machine's zone.
 */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?: ?([Zz]|[+-]\d{2}(?::?\d{2})?))?)?$/

const EPOCH = /^\d{9,13}$/

/** ms since the epoch as an ISO string, or null outside the accepted range (or not finite). */
function inRange(ms: number): string | null {
  return Number.isFinite(ms) && ms >= MIN_INSTANT_MS && ms < MAX_INSTANT_MS
    ? new Date(ms).toISOString()
    : null
}

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()

/** Offset of a zone in minutes east of UTC; NaN when not a real offset. */
function offsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0
  const digits = zone.slice(1).replace(':', '')
  const hours = Number(digits.slice(0, 2))
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0
  if (hours > 23 || minutes > 59) return NaN
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes)
}

/** A strict ISO-8601 reading: impossible dates and times are refused, not rolled over. */
function parseIso(s: string): number {
  const m = ISO.exec(s)
  if (!m) return NaN
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((p) => Number(p ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  // Below 1900, Date.UTC would read a two-digit year (0099 as 1999); all of them are out of range.
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return NaN
  if (hour > 23 || minute > 59 || second > 59) return NaN
  const offset = offsetMinutes(m[8])
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000
}

/**
 * An ISO-8601 instant (ms, UTC). Accepts ISO with a zone, a zone-less date-time or date (read as
 * UTC, as ClickHouse does), epoch seconds or milliseconds, within 1971..2099. undefined when
 * empty, null when not a date or out of range (never an exception).
 */
export function instant(v: unknown): string | null | undefined {
  if (v === null || v === undefined) return undefined
  if (v instanceof Date) return inRange(v.getTime())
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = Number(v)
    return inRange(Math.abs(n) < SECONDS_BELOW ? n * 1000 : n)
  }
  if (typeof v !== 'string') return null
  const s = v.trim()
  if (s === '') return undefined
  if (EPOCH.test(s)) return instant(Number(s))
  return inRange(parseIso(s))
}

/** Excel's 1900 date system: day 1 is 1900-01-01, and 1900 has a 29 February (Lotus's bug), so from day 61 on, day n is 1899-12-30 + n. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30)
const DAY_MS = 86_400_000
/** Serial days of 1971-01-01 and 2100-01-01 (the accepted range) in that system. */
const EXCEL_MIN = (MIN_INSTANT_MS - EXCEL_EPOCH_MS) / DAY_MS
const EXCEL_MAX = (MAX_INSTANT_MS - EXCEL_EPOCH_MS) / DAY_MS
/** Five digits of days, optionally a fraction of a day (the time): how Excel stores a date cell. */
const EXCEL_SERIAL = /^\d{5}(?:[.,]\d+)?$/

/**
 * The day a value would be in Excel's 1900 date system (`2024-12-08` for 45634, `…T12:00` for
 * 45634.5) when it looks like an Excel serial date within 1971..2099, else undefined. Never read
 * as that date: a Mac workbook in the 1904 system puts the same number 4 years and a day later,
 * and the cell carries no time zone (see the map's refusal).
 */
export function excelSerialDate(v: unknown): string | undefined {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined
  if (s === undefined || !EXCEL_SERIAL.test(s)) return undefined
  const days = Number(s.replace(',', '.'))
  if (!(days >= EXCEL_MIN && days < EXCEL_MAX)) return undefined
  const iso = new Date(EXCEL_EPOCH_MS + Math.round(days * DAY_MS)).toISOString()
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.slice(0, 16)
}
