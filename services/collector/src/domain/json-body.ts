/**
 * Request bodies from text to values, at the edge (docs/events.md, "What the collector
 * normalises"). The common body costs one JSON.parse and one `indexOf`; the rare ones pay for
 * their own repair:
 * - a byte-order mark is skipped;
 * - an integer id beyond 2^53 (an event's userId, anonymousId, groupId or previousId, and the `id`
 *   of context.externalIds items), which JSON.parse would round, is read again from the raw text
 *   and kept as the exact string of its digits;
 * - lone UTF-16 surrogates, which only a `\uD800`-style escape can produce (the UTF-8 decoder
 *   already turns invalid bytes into U+FFFD), are replaced by U+FFFD in keys and values;
 * - the bare tokens `NaN`, `Infinity` and `-Infinity`, which Python's json module writes for a
 *   float('nan') (a pandas missing value) and which JSON.parse refuses, are read as ±1e400 so that
 *   the event holding one is refused alone (SIL_EVENT_NUMBER_OUT_OF_RANGE, domain/depth.ts), not
 *   the whole request with the good events beside it.
 */

declare global {
  // ES2024, in Node ≥ 20; the workspace's lib is ES2023.
  interface String {
    isWellFormed(): boolean
    toWellFormed(): string
  }
}

export type JsonBody =
  { ok: true; value: unknown } | { ok: false; code: 'SIL_BODY_INVALID_JSON' | 'SIL_BODY_TOO_DEEP' }

/** How deep surrogate repair goes: events are refused past 32 levels (validate.ts) anyway. */
const REPAIR_DEPTH = 64
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/
const ID_KEYS = new Set(['userId', 'anonymousId', 'groupId', 'previousId'])

type Dict = Record<string, unknown>
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)
const unsafeNumber = (v: unknown): boolean =>
  typeof v === 'number' && Number.isFinite(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER

export function parseJsonBody(raw: string): JsonBody {
  let text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw
  try {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      const repaired = err instanceof SyntaxError ? nonFiniteTokens(text) : undefined
      if (repaired === undefined) throw err
      text = repaired
      value = JSON.parse(text)
    }
    if (hasUnsafeId(value)) value = JSON.parse(exactIds(text))
    if (text.includes('\\u') && SURROGATE_ESCAPE.test(text)) value = wellFormed(value, 0)
    return { ok: true, value }
  } catch (err) {
    // V8's parser is iterative; a RangeError here means a stack overflowed on a hostile depth.
    return { ok: false, code: err instanceof RangeError ? 'SIL_BODY_TOO_DEEP' : 'SIL_BODY_INVALID_JSON' }
  }
}

function eventHasUnsafeId(e: unknown): boolean {
  if (!isDict(e)) return false
  // Static reads (ID_KEYS spelled out): this runs for every event of every request.
  if (
    unsafeNumber(e['userId']) ||
    unsafeNumber(e['anonymousId']) ||
    unsafeNumber(e['groupId']) ||
    unsafeNumber(e['previousId'])
  )
    return true
  const context = e['context']
  const externalIds = isDict(context) ? context['externalIds'] : undefined
  if (Array.isArray(externalIds)) {
    for (const x of externalIds) if (isDict(x) && unsafeNumber(x['id'])) return true
  }
  return false
}

/** A few property reads per event: a single event, or a batch (its items and its own context). */
export function hasUnsafeId(body: unknown): boolean {
  if (!isDict(body)) return false
  if (eventHasUnsafeId(body)) return true
  const batch = body['batch']
  if (Array.isArray(batch)) for (const item of batch) if (eventHasUnsafeId(item)) return true
  return false
}

const NON_FINITE = /NaN|Infinity/

/**
 * Rewrites the bare `NaN`, `Infinity` and `-Infinity` tokens of a text JSON.parse refused (outside
 * strings) as `1e400` / `-1e400`; undefined when it has none. A single pass, tracking strings only.
 */
export function nonFiniteTokens(text: string): string | undefined {
  if (!NON_FINITE.test(text)) return undefined
  let out = ''
  let copied = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === 92 /* \ */) i++
        else if (d === 34) break
      }
    } else if (c === 78 /* N */ && text.startsWith('NaN', i)) {
      out += `${text.slice(copied, i)}1e400`
      copied = i + 3
      i += 2
    } else if (c === 73 /* I */ && text.startsWith('Infinity', i)) {
      out += `${text.slice(copied, i)}1e400`
      copied = i + 8
      i += 7
    }
  }
  return copied === 0 ? undefined : out + text.slice(copied)
}

const isDigit = (c: number) => c >= 48 && c <= 57
const isNumberChar = (c: number) => isDigit(c) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69

/**
 * Rewrites valid JSON text so that unsafe numeric ids become strings of their exact digits
 * (`"userId": 12345678901234567890` → `"userId": "12345678901234567890"`). A single pass that
 * tracks strings, keys and containers (no recursion, whatever the depth).
 */
export function exactIds(text: string): string {
  // Per open container: '{' or '[', and the key under which it was opened.
  const kinds: number[] = []
  const keys: Array<string | undefined> = []
  let key: string | undefined
  let expectKey = false
  let out = ''
  let copied = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34 /* " */) {
      const start = i + 1
      for (i = start; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === 92 /* \ */) i++
        else if (d === 34) break
      }
      if (expectKey) {
        const rawKey = text.slice(start, i)
        key = rawKey.includes('\\') ? (JSON.parse(`"${rawKey}"`) as string) : rawKey
        expectKey = false
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      kinds.push(c)
      keys.push(kinds.length > 1 && kinds[kinds.length - 2] === 123 ? key : undefined)
      expectKey = c === 123
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      kinds.pop()
      keys.pop()
    } else if (c === 44 /* , */) {
      expectKey = kinds[kinds.length - 1] === 123
    } else if (c === 45 || isDigit(c)) {
      const start = i
      while (i + 1 < text.length && isNumberChar(text.charCodeAt(i + 1))) i++
      const n = kinds.length
      // An event's own ids (a single event's body, or an item of `batch`), and the ids of
      // context.externalIds (an event's or the batch's): what hasUnsafeId looks at.
      const eventLevel = n === 1 || (n === 3 && kinds[1] === 91 && keys[1] === 'batch')
      const externalId =
        key === 'id' &&
        n >= 3 &&
        kinds[n - 2] === 91 &&
        keys[n - 2] === 'externalIds' &&
        keys[n - 3] === 'context'
      const isId =
        kinds[n - 1] === 123 && key !== undefined && ((eventLevel && ID_KEYS.has(key)) || externalId)
      if (isId) {
        const token = text.slice(start, i + 1)
        if (unsafeNumber(Number(token))) {
          out += `${text.slice(copied, start)}"${token}"`
          copied = i + 1
        }
      }
    }
  }
  return copied === 0 ? text : out + text.slice(copied)
}

/** Replaces lone surrogates with U+FFFD in strings and keys, down to REPAIR_DEPTH levels. */
function wellFormed(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return v.isWellFormed() ? v : v.toWellFormed()
  if (typeof v !== 'object' || v === null || depth >= REPAIR_DEPTH) return v
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = wellFormed(v[i], depth + 1)
    return v
  }
  const o = v as Dict
  let renamed = false
  for (const key of Object.keys(o)) {
    o[key] = wellFormed(o[key], depth + 1)
    if (!key.isWellFormed()) renamed = true
  }
  if (!renamed) return o
  // Rebuilt in order, with the repaired keys (defineProperty: a key is never a setter here).
  const out: Dict = {}
  for (const key of Object.keys(o)) {
    Object.defineProperty(out, key.toWellFormed(), {
      value: o[key],
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}
