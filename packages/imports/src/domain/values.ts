/** Coercions from what a file reader yields (CSV strings, JSON or Parquet values) to event fields. */

export type RowValue = unknown
export type Row = Readonly<Record<string, RowValue>>

/** A trimmed string, or undefined for null / empty. */
export function text(v: RowValue): string | undefined {
  if (v === null || v === undefined) return undefined
  const s = (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)).trim()
  return s === '' ? undefined : s
}

const DECIMAL_COMMA = /^-?\d+,\d+$/

/**
 * Past this, an amount or a quantity is a broken export (a card number in the total column, 1e308):
 * refused, not rounded to the cent into Infinity and stored as null.
 */
const MAX_ABS = 1e15

const kept = (n: number): number => (Number.isFinite(n) && Math.abs(n) <= MAX_ABS ? n : NaN)

/** A number within ±1e15; '12,50' (a decimal comma) is read as 12.5. NaN when present but not one. */
export function num(v: RowValue): number | undefined {
  if (typeof v === 'number') return kept(v)
  if (typeof v === 'bigint') return kept(Number(v))
  const s = text(v)
  if (s === undefined) return undefined
  return kept(Number(DECIMAL_COMMA.test(s) ? s.replace(',', '.') : s))
}

const TRUE = new Set(['true', '1', 'yes', 'y', 'oui', 'o', 'opt-in', 'optin', 'granted'])
const FALSE = new Set(['false', '0', 'no', 'n', 'non', 'opt-out', 'optout', 'denied'])

/** true / false, undefined when empty, null when not a recognised flag. */
export function flag(v: RowValue): boolean | null | undefined {
  if (typeof v === 'boolean') return v
  const s = text(v)?.toLowerCase()
  if (s === undefined) return undefined
  if (TRUE.has(s)) return true
  if (FALSE.has(s)) return false
  return null
}

const NAIVE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$/

/**
 * An ISO-8601 instant (ms, UTC). Accepts ISO with a zone, a zone-less date-time or date (read as
 * UTC, as ClickHouse does), epoch seconds or milliseconds. undefined when empty, null when invalid.
 */
export function instant(v: RowValue): string | null | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString()
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = Number(v)
    return new Date(n < 1e11 ? n * 1000 : n).toISOString()
  }
  const s = text(v)
  if (s === undefined) return undefined
  if (/^\d{9,13}$/.test(s)) return instant(Number(s))
  const iso = NAIVE.test(s) ? `${s.replace(' ', 'T')}${s.length === 10 ? 'T00:00:00' : ''}Z` : s
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return null
  const year = new Date(ms).getUTCFullYear()
  if (year < 1971 || year > 2099) return null
  return new Date(ms).toISOString()
}

/** Money rounded to the cent. */
export const cents = (n: number): number => Math.round(n * 100) / 100

/** A JSON array (given as an array or as its JSON text); null when present but not an array. */
export function jsonArray(v: RowValue): unknown[] | null | undefined {
  if (Array.isArray(v)) return v
  const s = text(v)
  if (s === undefined) return undefined
  try {
    const parsed: unknown = JSON.parse(s)
    return Array.isArray(parsed) ? parsed : null
  } catch {
    return null
  }
}
