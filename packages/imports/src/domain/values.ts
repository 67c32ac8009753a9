/** Coercions from what a file reader yields (CSV strings, JSON or Parquet values) to event fields. */
import { parseJsonExact } from './exact-json.js'

export type RowValue = unknown
export type Row = Readonly<Record<string, RowValue>>

const folded = (name: string): string => name.trim().toLowerCase()

/**
 * Folded name → the row's key, built once per row shape: the rows of a CSV share their keys (in
 * order), so a wide file pays the folding once, not once per row and field.
 */
let shapeKeys: readonly string[] = []
let shapeIndex = new Map<string, string>()
const indexes = new WeakMap<Row, Map<string, string>>()
function foldedIndex(row: Row): Map<string, string> {
  const cached = indexes.get(row)
  if (cached) return cached
  const keys = Object.keys(row)
  if (keys.length !== shapeKeys.length || keys.some((k, i) => k !== shapeKeys[i])) {
    shapeIndex = new Map()
    for (const k of keys) if (!shapeIndex.has(folded(k))) shapeIndex.set(folded(k), k)
    shapeKeys = keys
  }
  indexes.set(row, shapeIndex)
  return shapeIndex
}

/**
 * The row's key for `column`: the column itself, else the first key equal to it but for case and
 * surrounding spaces (a header `Receipt_ID ` is the column `receipt_id`); undefined when none.
 */
export function keyOf(row: Row, column: string): string | undefined {
  if (Object.hasOwn(row, column)) return column
  return foldedIndex(row).get(folded(column))
}

/** The value of `column` in the row (see keyOf); undefined when the row has no such column. */
export function cell(row: Row, column: string): RowValue {
  const key = keyOf(row, column)
  return key === undefined ? undefined : row[key]
}

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
 * Thousands grouped by a space, as French Excel writes a formatted amount (`1 234,50`, the space
 * often a no-break U+00A0 or U+202F): unambiguous, as no locale writes its decimals after a space.
 * A comma or a point between thousands (`1,234.50`, `1.234,50`) stays refused: `1,234` is 1.234 to
 * half of Europe.
 */
const SPACE_GROUPED = /^([+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+)([.,]\d+)?$/

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
  const grouped = SPACE_GROUPED.exec(s)
  if (grouped)
    return kept(
      Number(`${(grouped[1] ?? '').replace(/\D/g, '')}${(grouped[2] ?? '').replace(',', '.')}`) *
        (s.startsWith('-') ? -1 : 1),
    )
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
