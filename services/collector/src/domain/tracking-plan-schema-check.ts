/**
 * What a plan's JSON Schema must not do, checked before ajv compiles it (docs/tracking-plans.md):
 * ajv takes both, then fails in a way nobody can act on.
 *
 * - A `$ref` loop that never goes down into the event (`{"$ref": "#"}`, `allOf: [{"$ref": "#"}]`,
 *   two definitions naming each other) compiles, then overflows the stack on every event of that
 *   name, in the request path.
 * - A long `enum` is checked against the draft-07 meta-schema's `uniqueItems` by comparing every
 *   pair: 20,000 values take 7 s to compile, 200,000 about 12 minutes, at start; and each event is
 *   compared with each value.
 * - A `$ref` by `$id` (`{"$id": "a", "not": {"$ref": "a"}}`) is a loop the check above cannot
 *   follow: a `$id` below the event's root is refused (`$ref` names parts by JSON pointer), and a
 *   `$ref` to the root's own `$id` is read as `#`.
 * - `uniqueItems` over items that are not all of one scalar type compares every pair of items:
 *   a 32 KB event of 10,000 small objects took 3.6 s. It needs a scalar `items.type` (checked in
 *   one pass) or a `maxItems` of at most MAX_UNIQUE_PAIRWISE.
 * - A schema of more than MAX_SUBSCHEMAS parts takes seconds to compile, at every start.
 */

/** The most values an `enum` may list. */
export const MAX_ENUM = 1000
/** The most items a `uniqueItems` array compared pair by pair may have (its `maxItems`). */
export const MAX_UNIQUE_PAIRWISE = 100
/** The most schemas (the event's, and every one inside it) one event may have. */
export const MAX_SUBSCHEMAS = 10_000
const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null'])
/** A base for `$id`s and `$ref`s that are relative, so that the URL parser resolves them. */
const BASE = 'sillage-plan:/event'

type Schema = Record<string, unknown>
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Keywords whose schema applies to the same value (not to a part of it). */
const SAME_VALUE_ONE = ['not', 'if', 'then', 'else'] as const
const SAME_VALUE_LIST = ['allOf', 'anyOf', 'oneOf'] as const
/** Keywords whose schema applies to a part of the value (an item, a property, a key). */
const PART_ONE = ['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames'] as const
const MAPS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies'] as const

/**
 * `ref` as a local one (`#`, `#/…`) when it names the root by its `$id` (`a.json`, `a.json#/…`,
 * an anchor `#foo` the root declares), else `ref` itself.
 */
function local(root: Schema, ref: string): string {
  const id = root['$id']
  if (typeof id !== 'string' || ref === '#' || ref.startsWith('#/')) return ref
  try {
    const rootUrl = new URL(id, BASE)
    const target = new URL(ref, rootUrl)
    if (target.href === rootUrl.href) return '#' // the root's anchor, or its very $id
    const hash = target.hash
    const [a, b] = [new URL(target), new URL(rootUrl)]
    a.hash = ''
    b.hash = ''
    if (a.href !== b.href || (hash !== '' && !hash.startsWith('#/'))) return ref
    return `#${hash.slice(1)}` // resolve() decodes its segments
  } catch {
    return ref
  }
}

/** The schema a local `$ref` (`#`, `#/definitions/a`, or by the root's `$id`) names, if any. */
function resolve(root: Schema, raw: string): Schema | undefined {
  const ref = local(root, raw)
  if (ref === '#') return root
  if (!ref.startsWith('#/')) return undefined // remote: ajv resolves or refuses it
  let at: unknown = root
  for (const raw of ref.slice(2).split('/')) {
    let key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    try {
      key = decodeURIComponent(key)
    } catch {
      return undefined
    }
    at = Array.isArray(at) ? at[Number(key)] : isSchema(at) ? at[key] : undefined
  }
  return isSchema(at) ? at : undefined
}

/** The schemas that apply to the same value as `s`. */
function sameValue(root: Schema, s: Schema): Schema[] {
  const out: Schema[] = []
  for (const k of SAME_VALUE_ONE) if (isSchema(s[k])) out.push(s[k])
  for (const k of SAME_VALUE_LIST) {
    const list = s[k]
    if (Array.isArray(list)) for (const item of list) if (isSchema(item)) out.push(item)
  }
  const dependencies = s['dependencies']
  if (isSchema(dependencies)) for (const d of Object.values(dependencies)) if (isSchema(d)) out.push(d)
  const ref = s['$ref']
  if (typeof ref === 'string') {
    const target = resolve(root, ref)
    if (target) out.push(target)
  }
  return out
}

/** Every subschema of `root`, without recursion (a schema may nest thousands of levels). */
function subschemas(root: Schema): Schema[] {
  const seen = new Set<Schema>()
  const stack = [root]
  while (stack.length > 0) {
    const s = stack.pop() as Schema
    if (seen.has(s)) continue
    seen.add(s)
    for (const k of [...SAME_VALUE_ONE, ...PART_ONE]) if (isSchema(s[k])) stack.push(s[k])
    for (const k of [...SAME_VALUE_LIST, 'items'] as const) {
      const list = s[k]
      if (Array.isArray(list)) for (const item of list) if (isSchema(item)) stack.push(item)
    }
    for (const k of MAPS) {
      const map = s[k]
      if (isSchema(map)) for (const v of Object.values(map)) if (isSchema(v)) stack.push(v)
    }
  }
  return [...seen]
}

/** Throws an Error naming what is wrong with `schema`, if anything is. */
export function checkPlanSchema(schema: Schema): void {
  const all = subschemas(schema)
  if (all.length > MAX_SUBSCHEMAS) {
    throw new Error(
      `the schema has ${all.length} parts (schemas inside schemas), at most ${MAX_SUBSCHEMAS}: ` +
        'it would take seconds to compile at every start',
    )
  }
  for (const s of all) {
    if (s !== schema && s['$id'] !== undefined) {
      throw new Error(
        `a "$id" (${JSON.stringify(s['$id'])}) below the event's root: name a part of the schema ` +
          'by JSON pointer instead ("$ref": "#/definitions/…"), which the loop check can follow',
      )
    }
    checkUniqueItems(s)
    const values = s['enum']
    if (Array.isArray(values) && values.length > MAX_ENUM) {
      throw new Error(
        `an enum lists ${values.length} values, at most ${MAX_ENUM}: check a longer list of ` +
          'values elsewhere (a pattern, or a model)',
      )
    }
  }
  // A cycle among the schemas that apply to the same value: depth-first, without recursion.
  const state = new Map<Schema, 'open' | 'done'>()
  for (const start of all) {
    if (state.has(start)) continue
    const path: Array<{ s: Schema; next: Schema[] }> = [{ s: start, next: sameValue(schema, start) }]
    state.set(start, 'open')
    while (path.length > 0) {
      const top = path[path.length - 1] as { s: Schema; next: Schema[] }
      const n = top.next.pop()
      if (n === undefined) {
        state.set(top.s, 'done')
        path.pop()
      } else if (state.get(n) === 'open') {
        const refs = path.map((p) => p.s['$ref']).filter((r): r is string => typeof r === 'string')
        throw new Error(
          `a $ref loop that never goes down into the event (${refs.map((r) => JSON.stringify(r)).join(' → ')}): ` +
            'it would recurse without end on every event',
        )
      } else if (!state.has(n)) {
        state.set(n, 'open')
        path.push({ s: n, next: sameValue(schema, n) })
      }
    }
  }
}

/** Throws when `s` asks for unique items that would be compared pair by pair without a bound. */
function checkUniqueItems(s: Schema): void {
  if (s['uniqueItems'] !== true) return
  const items = s['items']
  const types = isSchema(items) ? [items['type']].flat() : []
  if (types.length > 0 && types.every((t) => typeof t === 'string' && SCALAR_TYPES.has(t))) return
  const max = s['maxItems']
  if (typeof max === 'number' && max <= MAX_UNIQUE_PAIRWISE) return
  throw new Error(
    '"uniqueItems" over items of no scalar type compares every pair of items (10,000 items: ' +
      '50 million comparisons, seconds per event): give "items" a scalar "type" ("string", ' +
      `"number", "integer", "boolean", "null"), or a "maxItems" of at most ${MAX_UNIQUE_PAIRWISE}`,
  )
}
