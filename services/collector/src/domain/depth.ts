export type ShapeProblem = 'too_deep' | 'forbidden_key' | 'non_finite' | undefined

/**
 * Walks an event once and reports the first problem found:
 * - objects or arrays nested deeper than `limit`;
 * - a key of prototype pollution, `__proto__`, `constructor` or `prototype`, anywhere (JSON.parse
 *   keeps them as plain own properties, but a consumer merging objects would not);
 * - a number JSON cannot carry: `1e400` parses to Infinity, which JSON.stringify writes as null.
 * Checked per event, so one bad event does not sink its batch. The recursion stops at `limit`, so
 * a hostile payload cannot overflow the stack here.
 */
export function shapeProblem(value: unknown, limit: number): ShapeProblem {
  return typeof value === 'object' && value !== null ? walk(value, 0, limit) : undefined
}

/**
 * The request-level fields of a batch body (`context`, `integrations`, …), everything but `batch`
 * itself, whose items are checked one by one.
 */
export function envelopeProblem(body: Record<string, unknown>, limit: number): ShapeProblem {
  for (const key in body) {
    if (key === 'batch') continue
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return 'forbidden_key'
    const child = body[key]
    if (typeof child === 'object' && child !== null) {
      const problem = walk(child, 1, limit)
      if (problem) return problem
    } else if (child === Infinity || child === -Infinity) return 'non_finite'
  }
  return undefined
}

function walk(v: object, depth: number, limit: number): ShapeProblem {
  if (depth >= limit) return 'too_deep'
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const child: unknown = v[i]
      if (typeof child === 'object') {
        if (child === null) continue
        const problem = walk(child, depth + 1, limit)
        if (problem) return problem
      } else if (child === Infinity || child === -Infinity) return 'non_finite'
    }
    return undefined
  }
  // for…in sees own keys only here: parsed JSON objects inherit nothing enumerable.
  for (const key in v) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return 'forbidden_key'
    const child = (v as Record<string, unknown>)[key]
    if (typeof child === 'object') {
      if (child === null) continue
      const problem = walk(child, depth + 1, limit)
      if (problem) return problem
    } else if (child === Infinity || child === -Infinity) return 'non_finite'
  }
  return undefined
}

/**
 * A copy of `value` cut at `limit` levels, deeper values replaced by a marker: what a dead letter
 * keeps of an item the walk above stopped on, which may nest too deep to serialise safely (20,000
 * levels overflow JSON.stringify).
 */
export function truncateDepth(value: unknown, limit: number): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (limit <= 0) return `[nested deeper than the limit]`
  if (Array.isArray(value)) return value.map((v) => truncateDepth(v, limit - 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    // defineProperty: a `__proto__` key stays a plain key in the dead letter, for the record.
    Object.defineProperty(out, k, {
      value: truncateDepth(v, limit - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}
