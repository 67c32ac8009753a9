/**
 * Triggers on the event stream (docs/activation.md), the pure part: whether an event matches a
 * trigger's event name and condition, and its firing's dedup key. The condition is the audience
 * rule language over the event's properties (`value > 100`, `currency = EUR`), names with dots
 * reaching into nested objects.
 */
import type { RuleNode, Value } from './audience-rule.js'
import { stableId } from './membership.js'

export interface StreamEvent {
  type?: string
  event?: string
  messageId?: string
  userId?: string | null
  anonymousId?: string | null
  timestamp?: string
  properties?: Record<string, unknown>
  context?: Record<string, unknown>
}

const lookup = (props: Record<string, unknown>, path: string): unknown => {
  let v: unknown = props
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[part]
  }
  return v
}

const asNumber = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
  return Number.isFinite(n) ? n : undefined
}

function equals(actual: unknown, expected: Value): boolean {
  if (typeof expected === 'number') return asNumber(actual) === expected
  if (typeof expected === 'boolean') return actual === expected
  return typeof actual === 'string' ? actual === expected : String(actual) === expected
}

/** Evaluates a condition over an event's properties. A missing property never matches a comparison. */
export function evaluate(node: RuleNode, props: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => evaluate(n, props))
    case 'or':
      return node.items.some((n) => evaluate(n, props))
    case 'not':
      return !evaluate(node.item, props)
    case 'truthy': {
      const v = lookup(props, node.attr)
      return v === true || v === 'true' || (typeof v === 'number' && v !== 0)
    }
    case 'in': {
      const v = lookup(props, node.attr)
      if (v === undefined || v === null) return false
      const hit = node.values.some((x) => equals(v, x))
      return node.negated ? !hit : hit
    }
    case 'compare': {
      const v = lookup(props, node.attr)
      if (v === undefined || v === null) return false
      if (node.op === '=') return equals(v, node.value)
      if (node.op === '!=') return !equals(v, node.value)
      const a = asNumber(v)
      const b = asNumber(node.value)
      if (a === undefined || b === undefined) return false
      return node.op === '>' ? a > b : node.op === '>=' ? a >= b : node.op === '<' ? a < b : a <= b
    }
  }
}

/** Whether the event is one the trigger watches and its condition holds. */
export function matches(trigger: { event: string; condition?: RuleNode }, e: StreamEvent): boolean {
  if (e.type !== 'track' || e.event !== trigger.event) return false
  return trigger.condition ? evaluate(trigger.condition, e.properties ?? {}) : true
}

/** The consent categories the event itself states (context.consent), if any. */
export function statedConsent(e: StreamEvent): string[] | undefined {
  const c = e.context?.['consent'] as { categories?: unknown } | undefined
  const fromProps = e.event === 'Consent Updated' ? e.properties?.['categories'] : undefined
  const cats = fromProps ?? c?.categories
  return Array.isArray(cats) ? cats.filter((x): x is string => typeof x === 'string') : undefined
}

/**
 * Whether these consent categories allow marketing: what a person needs for a trigger to fire, and
 * for a replayed firing to leave again (destinations/replay-check.ts). No categories: no consent.
 */
export const allowsMarketing = (categories: readonly string[] | undefined): boolean =>
  categories?.includes('marketing') === true

/**
 * The firing's key: the trigger, the person (userId, else anonymousId) and the event that fired it.
 * Its message id derives from the key, so a restart re-reading the event, or a second instance
 * handling it, gives the same id (the idempotency key of the delivery). `windowStart` is the
 * event's time: the start of the rolling cool-down the firing opens.
 */
export function firingKey(triggerId: string, e: StreamEvent, eventMs: number) {
  const userId = e.userId ?? ''
  const anonymousId = userId === '' ? (e.anonymousId ?? '') : ''
  const eventId = e.messageId ?? `at:${eventMs}`
  return {
    userId,
    anonymousId,
    windowStart: eventMs,
    messageId: stableId('trigger', triggerId, userId, anonymousId, eventId),
  }
}

/**
 * The rolling cool-down: whether an event at `eventMs` falls within `cooldownHours` of a firing
 * of the same trigger and person (before it, or after it when events arrive out of order). Only
 * firings open a cool-down; an event it suppresses does not extend it.
 */
export function inCooldown(eventMs: number, firedAt: readonly number[], cooldownHours: number): boolean {
  const cd = cooldownHours * 3_600_000
  return cd > 0 && firedAt.some((t) => Math.abs(eventMs - t) < cd)
}
