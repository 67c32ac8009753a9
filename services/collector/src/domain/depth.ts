export type ShapeProblem = 'too_deep' | 'forbidden_key' | undefined

/**
 * Walks an event once, iteratively (a hostile payload cannot overflow the stack here; it would
 * later, in JSON.stringify or ClickHouse): objects or arrays nested deeper than `limit`, and the
 * keys of prototype pollution (`__proto__`, `constructor.prototype`), which JSON.parse keeps as
 * plain own properties. Checked per event, so one bad event does not sink its batch.
 */
export function shapeProblem(value: unknown, limit: number): ShapeProblem {
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth >= limit) return 'too_deep'
    if (Array.isArray(v)) {
      for (const child of v) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
      continue
    }
    for (const key of Object.keys(v)) {
      const child = (v as Record<string, unknown>)[key]
      if (key === '__proto__') return 'forbidden_key'
      if (key === 'constructor' && typeof child === 'object' && child !== null && 'prototype' in child) {
        return 'forbidden_key'
      }
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
  return undefined
}
