/**
 * Rows of the same keys as Arrow columns in the C Data Interface layout that chDB's
 * `arrowstream()` table function reads in place (docs/clickhouse.md, "The events insert"): the
 * engine then parses no text at all. Pure: no I/O.
 *
 * Each column takes the one Arrow type its values allow, with nulls in a validity bitmap:
 * - strings, and objects or arrays (their `JSON.stringify` text, as JSON_TEXT_AS_OBJECTS stores
 *   them), as Utf8;
 * - numbers as Float64 (`NaN` and infinities as null, as `JSON.stringify` writes them);
 * - booleans as Bool.
 * `null` and `undefined` are nulls; a column of nulls only is Utf8. A column whose values mix these
 * kinds (a number beside a string) has no such type: the encoder answers `undefined`, and the
 * caller sends the rows as text.
 */

/** One column as chDB's `_arrowRegisterColumns` takes it (Arrow format string and buffers). */
export interface ArrowColumn {
  name: string
  /** 'u' Utf8, 'g' Float64, 'b' Bool. */
  format: 'u' | 'g' | 'b'
  length: number
  nullCount: number
  /** [validity bitmap or null, values] for Float64 and Bool; [validity, int32 offsets, bytes] for Utf8. */
  buffers: (Buffer | null)[]
}

type Kind = 'u' | 'g' | 'b'

const kindOf = (v: unknown): Kind | null | undefined => {
  switch (typeof v) {
    case 'string':
    case 'object':
      return v === null ? null : 'u'
    case 'number':
      return 'g'
    case 'boolean':
      return 'b'
    case 'undefined':
      return null
    default:
      return undefined // bigint, function, symbol: no Arrow type here
  }
}

const bitmap = (length: number) => Buffer.alloc((length + 7) >> 3)

/** A validity bitmap with the rows of `nulls` cleared (null when there are none). */
function validity(length: number, nulls: readonly number[]): Buffer | null {
  if (nulls.length === 0) return null
  const valid = bitmap(length).fill(0xff)
  for (const i of nulls) valid[i >> 3]! &= ~(1 << (i & 7))
  return valid
}

/**
 * Strings as Utf8 offsets and bytes. They are joined and encoded in one call (a call per value
 * into Node's encoder cost more than the rest of the encoding); when every character is ASCII,
 * as in nearly every column of an event, byte offsets are character offsets. Otherwise each value
 * is encoded on its own: joined, a lone high surrogate ending one value and a lone low one
 * starting the next would make one character.
 */
function utf8(name: string, values: readonly string[], nulls: readonly number[]): ArrowColumn {
  const n = values.length
  const offsets = new Int32Array(n + 1)
  let data = Buffer.from(values.join(''), 'utf8')
  let at = 0
  for (let i = 0; i < n; i++) {
    offsets[i] = at
    at += values[i]!.length
  }
  if (data.length !== at) {
    data = Buffer.allocUnsafe(values.reduce((sum, v) => sum + Buffer.byteLength(v, 'utf8'), 0))
    at = 0
    for (let i = 0; i < n; i++) {
      offsets[i] = at
      at += data.write(values[i]!, at, 'utf8')
    }
  }
  offsets[n] = at
  if (at > 0x7fffffff) throw new RangeError('an Arrow Utf8 column holds at most 2 GiB')
  return {
    name,
    format: 'u',
    length: n,
    nullCount: nulls.length,
    buffers: [validity(n, nulls), Buffer.from(offsets.buffer), data],
  }
}

/** One column of `rows`, read once; undefined when its values mix kinds. */
function column(rows: readonly object[], key: string): ArrowColumn | undefined {
  const n = rows.length
  const values = new Array<unknown>(n)
  let kind: Kind | null = null
  const nulls: number[] = []
  for (let i = 0; i < n; i++) {
    const v = (rows[i] as Record<string, unknown>)[key]
    const k = kindOf(v)
    if (k === undefined) return undefined
    if (k === null) nulls.push(i)
    else if (kind === null) kind = k
    else if (k !== kind) return undefined
    values[i] = v
  }
  if (kind === 'g') {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const v = values[i] as number | null
      if (v === null || v === undefined) continue
      if (Number.isFinite(v)) out[i] = v
      else nulls.push(i)
    }
    nulls.sort((a, b) => a - b)
    return {
      name: key,
      format: 'g',
      length: n,
      nullCount: nulls.length,
      buffers: [validity(n, nulls), Buffer.from(out.buffer)],
    }
  }
  if (kind === 'b') {
    const bits = bitmap(n)
    for (let i = 0; i < n; i++) if (values[i] === true) bits[i >> 3]! |= 1 << (i & 7)
    return { name: key, format: 'b', length: n, nullCount: nulls.length, buffers: [validity(n, nulls), bits] }
  }
  const texts = values as string[]
  for (let i = 0; i < n; i++) {
    const v = values[i]
    texts[i] = typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v)
  }
  return utf8(key, texts, nulls)
}

/**
 * `rows` (all with the keys `columns`) as Arrow columns, in that order; `undefined` when a column
 * has no single Arrow type (see above).
 */
export function toArrowColumns(
  rows: readonly object[],
  columns: readonly string[],
): ArrowColumn[] | undefined {
  const out: ArrowColumn[] = []
  for (const key of columns) {
    const col = column(rows, key)
    if (col === undefined) return undefined
    out.push(col)
  }
  return out
}
