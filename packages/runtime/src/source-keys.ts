import { z } from 'zod'
import { sourceSchema } from '@sillage/schemas'

/**
 * The keys of a sources file that no schema knows, such as `trackingplan` for `trackingPlan`. zod
 * strips them without a word, so a misspelt key silently turns its policy off (a tracking plan, PII
 * rules, a consent check): each one is a config problem, with the key it was probably meant to be.
 * The walk follows the source schema's objects and arrays; a record (`trackingPlan.events`, event
 * name → JSON Schema) is not walked: ajv refuses unknown keywords in the schemas themselves.
 */

/** `trackingplan`, `tracking_plan`, `TrackingPlan` → `trackingplan`. */
const normalise = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '')

/** Edit distance, for the suggestion only (keys are short). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost)
    }
    row = next
  }
  return row[b.length] ?? 0
}

/** The known key an unknown one was probably meant to be. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const n = normalise(key)
  const same = known.find((k) => normalise(k) === n)
  if (same !== undefined) return same
  let best: string | undefined
  let bestDistance = 3 // at most 2 edits away
  for (const k of known) {
    const d = distance(n, normalise(k))
    if (d < bestDistance) [best, bestDistance] = [k, d]
  }
  return best
}

/** The object or array a schema describes, through defaults, optionals, nullables and transforms. */
function structural(schema: z.ZodType): z.ZodType {
  let s = schema
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable)
      s = s.unwrap() as z.ZodType
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType
    else return s
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function walk(schema: z.ZodType, value: unknown, path: string[], out: string[]): void {
  const s = structural(schema)
  if (s instanceof z.ZodArray && Array.isArray(value)) {
    value.forEach((item, i) => walk(s.element as z.ZodType, item, [...path, String(i)], out))
  } else if (s instanceof z.ZodObject && isPlainObject(value)) {
    const shape = s.shape as Record<string, z.ZodType>
    const known = Object.keys(shape)
    for (const [key, child] of Object.entries(value)) {
      if (Object.hasOwn(shape, key)) {
        walk(shape[key] as z.ZodType, child, [...path, key], out)
        continue
      }
      const hint = closestKey(key, known)
      const where = [...path, key].join('.')
      out.push(
        `[${where}]: unknown key ${JSON.stringify(key)}` +
          (hint !== undefined ? ` (did you mean ${JSON.stringify(hint)}?)` : ` (known: ${known.join(', ')})`),
      )
    }
  }
}

/**
 * One problem per unknown key in raw sources (the parsed JSON, before zod), e.g.
 * `[0.trackingplan]: unknown key "trackingplan" (did you mean "trackingPlan"?)`.
 */
export function unknownSourceKeys(raw: unknown): string[] {
  const out: string[] = []
  walk(z.array(sourceSchema), raw, [], out)
  return out
}
