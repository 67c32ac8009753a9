/** Coercions from what a file reader yields (CSV strings, JSON or Parquet values) to event fields. */
import { parseJsonExact } from './exact-json.js'

export type RowValue = unknown
export type Row = Readonly<Record<string, RowValue>>

/** A trimmed string, or undefined for null / empty. */
export function text(v: RowValue): string | undefined {
  if (v === null || v === undefined) return undefined
  const s = (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)).trim()
  return s === '' ? undefined : s
}

/** Decimal notation only: a sign, digits, a point, a decimal exponent. Not 0x1A, 0b1, Infinity. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/

/**
 * Past this, an amount or a quantity is a broken export (a card number in the total column, 1e308):
 * refused, not rounded to the cent into Infinity and stored as null.
 */
const MAX_ABS = 1e15

const kept = (n: number): number => (Number.isFinite(n) && Math.abs(n) <= MAX_ABS ? n : NaN)

/**
 * A decimal number within ±1e15; '12,50' (a decimal comma) is read as 12.5. NaN when present but
 * not one: hex, binary, octal (Number() reads '0x1A' as 26), Infinity, thousands separators.
 */
export function num(v: RowValue): number | undefined {
  if (typeof v === 'number') return kept(v)
  if (typeof v === 'bigint') return kept(Number(v))
  const s = text(v)
  if (s === undefined) return undefined
  if (DECIMAL_COMMA.test(s)) return kept(Number(s.replace(',', '.')))
  return DECIMAL.test(s) ? kept(Number(s)) : NaN
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

export { instant } from './instant.js'

/** Money rounded to the cent. */
export const cents = (n: number): number => Math.round(n * 100) / 100

/** A JSON array (given as an array or as its JSON text); null when present but not an array. */
export function jsonArray(v: RowValue): unknown[] | null | undefined {
  if (Array.isArray(v)) return v
  const s = text(v)
  if (s === undefined) return undefined
  try {
    const parsed = parseJsonExact(s)
    return Array.isArray(parsed) ? parsed : null
  } catch {
    return null
  }
}
