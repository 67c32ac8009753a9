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
 */

/** The most values an `enum` may list. */
export const MAX_ENUM = 1000

type Schema = Record<string, unknown>
const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Keywords whose schema applies to the same value (not to a part of it). */
const SAME_VALUE_ONE = ['not', 'if', 'then', 'else'] as const
const SAME_VALUE_LIST = ['allOf', 'anyOf', 'oneOf'] as const
/** Keywords whose schema applies to a part of the value (an item, a property, a key). */
const PART_ONE = ['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames'] as const
const MAPS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies'] as const

/** The schema a local `$ref` (`#`, `#/definitions/a`) names, if any. */
function resolve(root: Schema, ref: string): Schema | undefined {
  if (ref === '#') return root
  if (!ref.startsWith('#/')) return undefined // remote or by $id: ajv resolves or refuses it
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
  for (const s of all) {
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
