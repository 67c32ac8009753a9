/**
 * The emails and phones of an event wherever the collector's default scrub rules find them
 * (services/collector/src/domain/scrub.ts): a key equal to a DEFAULT_HASH_KEYS entry under
 * canonicalKey (`Email`, `e-mail`, `E_Mail`), at any depth of `properties`, `traits` and
 * `context.traits`, arrays included, with a string or number value. What the scrubber hashes there
 * is what identity and profiles later read, so the suppression check must see the same fields.
 * Pure.
 */
import { canonicalEventKey, canonicalKey, DEFAULT_HASH_KEYS } from './pii-keys.js'
import type { PiiKind } from './pii.js'

type Dict = Record<string, unknown>
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Canonical key to kind: the default hash keys are `email` and `phone`. */
const PII_KEYS: ReadonlyMap<string, PiiKind> = new Map(DEFAULT_HASH_KEYS.map((k) => [canonicalKey(k), k]))

/** Canonical keys read at the top of a root only, as identity reads them (docs/identity.md). */
export const LOYALTY_CARD_KEY = canonicalKey('loyalty_card')

export type PiiVisitor = (kind: PiiKind, raw: string | number) => void
/** Called for each top-level key of a root (canonical form), for the identifiers read there only. */
export type TopVisitor = (canonical: string, raw: unknown) => void

/**
 * Visits every email and phone under `root` (any depth, arrays included; iterative, so a deeply
 * nested event cannot overflow the stack). An object or array at an email / phone key is not
 * entered: the scrubber drops it.
 */
export function visitPiiFields(root: unknown, visit: PiiVisitor, top?: TopVisitor): void {
  if (typeof root !== 'object' || root === null) return
  const stack: object[] = [root]
  let atTop = true
  while (stack.length > 0) {
    const value = stack.pop()!
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) if (typeof item === 'object' && item !== null) stack.push(item)
    } else {
      const dict = value as Dict
      for (const key in dict) {
        const item = dict[key]
        const canonical = canonicalEventKey(key)
        if (atTop && top) top(canonical, item)
        const kind = PII_KEYS.get(canonical)
        if (kind !== undefined) {
          if (typeof item === 'string' || typeof item === 'number') visit(kind, item)
        } else if (typeof item === 'object' && item !== null) stack.push(item)
      }
    }
    atTop = false
  }
}

/** The roots the default rules apply to: `properties`, `traits`, `context.traits`. */
export function piiRoots(event: { properties?: unknown; traits?: unknown; context?: unknown }): unknown[] {
  const context = event.context
  return [event.properties, event.traits, isDict(context) ? context['traits'] : undefined]
}
