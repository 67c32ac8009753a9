export type ShapeProblem = 'too_deep' | 'forbidden_key' | undefined

/**
 * Walks an event once: objects or arrays nested deeper than `limit`, and the keys of prototype
 * pollution (`__proto__`, `constructor.prototype`), which JSON.parse keeps as plain own properties.
 * Checked per event, so one bad event does not sink its batch. The recursion stops at `limit`, so
 * a hostile payload cannot overflow the stack here (it would later, in JSON.stringify or
 * ClickHouse).
 */
export function shapeProblem(value: unknown, limit: number): ShapeProblem {
  return typeof value === 'object' && value !== null ? walk(value, 0, limit) : undefined
}

function walk(v: object, depth: number, limit: number): ShapeProblem {
  if (depth >= limit) return 'too_deep'
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const child: unknown = v[i]
      if (typeof child === 'object' && child !== null) {
        const problem = walk(child, depth + 1, limit)
        if (problem) return problem
      }
    }
    return undefined
  }
  // for…in sees own keys only here: parsed JSON objects inherit nothing enumerable.
  for (const key in v) {
    const child = (v as Record<string, unknown>)[key]
    if (key === '__proto__') return 'forbidden_key'
    if (typeof child === 'object' && child !== null) {
      if (key === 'constructor' && 'prototype' in child) return 'forbidden_key'
      const problem = walk(child, depth + 1, limit)
      if (problem) return problem
    }
  }
  return undefined
}
